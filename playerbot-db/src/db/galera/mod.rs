//! Shards that are Galera clusters: one writer node at a time, chosen from the engine's own
//! state, and moved to the next synced node when it is lost.
//!
//! A Galera shard has one [`Server`](crate::server::Server) like any shard (one pool, cache,
//! write-behind queue and statement set), whose pool connects to the current writer. A
//! monitor task checks every node on an interval (and at once when a call loses its
//! connection or retries), and when the writer is no longer synced in the primary component
//! it retargets the pool to the next synced node in the configured order: connections to
//! the old writer are never lent again, the queue's rows flush to the new one, and calls
//! retry by the usual rules. The engine itself refuses writes on a node outside the primary
//! component (1047), so a write is never reported accepted by a node that lost its quorum.
//!
//! The approach is the one of ProxySQL's and MaxScale's Galera monitors: a single writer per
//! cluster, so a bot's writes never conflict with themselves across nodes.

mod health;
mod monitor;
mod survey;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use mysql_async::Opts;
use tokio::sync::Notify;

pub use health::GaleraNodeHealth;
pub(super) use monitor::start as start_monitor;
pub(super) use survey::survey;

use crate::config::DbUrl;
use crate::pool::PoolInner;
use crate::server::Server;

/// A Galera shard's nodes, what each said at its last check, and which one is the writer.
#[derive(Debug)]
pub(crate) struct GaleraShard {
    shard: usize,
    nodes: Vec<DbUrl>,
    /// Driver options for the monitor's own connection to each node.
    opts: Vec<Opts>,
    health: Mutex<Vec<GaleraNodeHealth>>,
    writer: AtomicUsize,
    failovers: AtomicU64,
    /// Wakes the monitor before its interval ends (a call lost its connection or retried).
    wake: Arc<Notify>,
    /// A pool on each node for reads asked of a replica (caches off, causal reads).
    readers: OnceLock<Vec<Server>>,
    /// Round robin over the readers.
    next_reader: AtomicUsize,
}

impl GaleraShard {
    /// The node writes go to now.
    pub(crate) fn writer(&self) -> usize {
        self.writer.load(Ordering::Acquire)
    }

    /// Every node's last known health, the writer marked.
    pub(crate) fn health(&self) -> Vec<GaleraNodeHealth> {
        let writer = self.writer();
        let mut health = self.health.lock().expect("galera health lock").clone();
        for (index, node) in health.iter_mut().enumerate() {
            node.writer = index == writer;
        }
        health
    }

    /// Gives the shard its reader pools, one per node in node order (once, at build).
    pub(crate) fn set_readers(&self, readers: Vec<Server>) {
        let _ = self.readers.set(readers);
    }

    /// A node other than the writer that was synced at the last check, for a read asked of
    /// a replica; `None` when there is none (the read goes to the writer).
    pub(crate) fn reader(&self) -> Option<&Server> {
        let readers = self.readers.get()?;
        let writer = self.writer();
        let health = self.health.lock().expect("galera health lock");
        let usable = |index: &usize| *index != writer && health[*index].usable();
        let count = (0..health.len()).filter(usable).count();
        if count == 0 {
            return None;
        }
        let turn = self.next_reader.fetch_add(1, Ordering::Relaxed) % count;
        let node = (0..health.len()).filter(usable).nth(turn)?;
        readers.get(node)
    }

    /// The reader pools (to close them).
    pub(crate) fn readers(&self) -> &[Server] {
        self.readers.get().map_or(&[], Vec::as_slice)
    }

    /// A read on a reader node failed: check the nodes now.
    pub(crate) fn reader_failed(&self) {
        self.wake.notify_one();
    }

    /// How many times the writer moved.
    pub(crate) fn failovers(&self) -> u64 {
        self.failovers.load(Ordering::Relaxed)
    }

    pub(crate) fn shard(&self) -> usize {
        self.shard
    }

    /// Takes in a round of checks, and moves the writer when it is no longer usable and
    /// another node is: the next synced one after it in the configured order.
    fn take_in(&self, checked: Vec<GaleraNodeHealth>, pool: &PoolInner) {
        let current = self.writer();
        let next = (!checked[current].usable())
            .then(|| {
                (1..checked.len())
                    .map(|step| (current + step) % checked.len())
                    .find(|&index| checked[index].usable())
            })
            .flatten();
        if let Some(next) = next {
            match pool.retarget(&self.nodes[next]) {
                Ok(()) => {
                    self.writer.store(next, Ordering::Release);
                    self.failovers.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("playerbot_db_galera_failovers_total", "shard" => self.shard.to_string())
                        .increment(1);
                    tracing::warn!(
                        shard = self.shard,
                        from = %checked[current].summary(),
                        to = %checked[next].url,
                        "Galera writer moved to the next synced node"
                    );
                }
                Err(err) => {
                    tracing::error!(shard = self.shard, error = %err, "cannot move the Galera writer")
                }
            }
        } else if !checked[current].usable() {
            tracing::warn!(shard = self.shard, writer = %checked[current].summary(), "the Galera writer is not usable and no other node is synced");
        }
        *self.health.lock().expect("galera health lock") = checked;
    }
}
