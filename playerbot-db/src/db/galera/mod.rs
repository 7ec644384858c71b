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
use std::sync::{Arc, Mutex};

use mysql_async::Opts;
use tokio::sync::Notify;

pub use health::GaleraNodeHealth;
pub(super) use monitor::start as start_monitor;
pub(super) use survey::survey;

use crate::config::DbUrl;
use crate::pool::PoolInner;

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
