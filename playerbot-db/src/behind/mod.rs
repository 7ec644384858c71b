//! The write-behind queue: `save_deferred` and `delete_deferred` return at once; a named
//! background flusher writes the newest value of each dirty key through the bulk path, on an
//! interval or when enough rows wait, and keeps every row until the server has it.
//!
//! Ordering rules, per key: a newer deferred write replaces an older one; a write being
//! flushed is never overtaken by an older one (a failed flush puts a row back only when no
//! newer one was accepted meanwhile); a direct save or delete drops the pending deferred
//! write and waits for one being flushed, so the direct write lands last.

pub(crate) mod flusher;
mod queue;
mod stats;

pub use stats::WriteBehindStats;

pub(crate) use queue::{Full, Op, Queue, Taken};

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

use crate::{BotEntity, Db, Error};

/// When the queue holds its bound of dirty rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// Wait up to this long for the flusher to make room, then fail with
    /// [`Error::QueueFull`].
    Wait(Duration),
    /// Fail at once with [`Error::QueueFull`].
    Reject,
}

/// Write-behind settings (`DbBuilder::write_behind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteBehindConfig {
    /// The longest a row waits before a flush starts (default 1 s).
    pub interval: Duration,
    /// Pending rows of one entity type that start a flush at once (default 10,000).
    pub threshold: usize,
    /// The most dirty keys one entity type holds (pending or being written; default
    /// 1,000,000): a write of another key past it is decided by `when_full`.
    pub max_dirty: usize,
    /// What a write does when the queue is full (default: wait up to 5 s).
    pub when_full: WhenFull,
    /// Connections one flush of an entity type writes over at once, each taking a
    /// contiguous range of (partition, key) in a transaction of its own (default 2).
    pub connections: usize,
}

impl Default for WriteBehindConfig {
    fn default() -> Self {
        WriteBehindConfig {
            interval: Duration::from_secs(1),
            threshold: 10_000,
            max_dirty: 1_000_000,
            when_full: WhenFull::Wait(Duration::from_secs(5)),
            connections: 2,
        }
    }
}

/// A queue of some entity type, as the registry keeps it.
pub(crate) trait AnyQueue: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    /// Writes everything pending now; `Ok(rows)` when all of it landed.
    fn flush_round<'a>(
        &'a self,
        db: &'a Db,
    ) -> Pin<Box<dyn Future<Output = Result<usize, Error>> + Send + 'a>>;
    fn min_seq(&self) -> Option<u64>;
    fn depth(&self) -> (usize, Option<Instant>);
    fn has_pending(&self) -> bool;
    /// [`Queue::supersede`] with the key as `Any` (a transaction batch's ops are untyped);
    /// a key of another type supersedes nothing.
    fn supersede_any<'a>(
        &'a self,
        key: &'a (dyn Any + Send + Sync),
        seq: u64,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

impl std::fmt::Debug for dyn AnyQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Queue({} rows)", self.depth().0)
    }
}

/// What every queue of one Db shares: settings, the acceptance order, the flusher.
#[derive(Debug)]
pub(crate) struct Behind {
    pub(crate) config: WriteBehindConfig,
    seq: AtomicU64,
    /// Wakes the flusher (threshold reached, flush asked for, shutdown).
    pub(crate) wake: Arc<Notify>,
    /// Counts finished flush rounds; `flush` waits on it.
    pub(crate) rounds: watch::Sender<u64>,
    pub(crate) flusher: Mutex<Option<tokio::task::JoinHandle<()>>>,
    pub(crate) stopping: AtomicBool,
    pub(crate) counters: stats::Counters,
}

impl Behind {
    pub(crate) fn new(config: WriteBehindConfig) -> Behind {
        Behind {
            config,
            seq: AtomicU64::new(0),
            wake: Arc::new(Notify::new()),
            rounds: watch::channel(0).0,
            flusher: Mutex::new(None),
            stopping: AtomicBool::new(false),
            counters: stats::Counters::default(),
        }
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn last_seq(&self) -> u64 {
        self.seq.load(Ordering::Relaxed)
    }
}

pub(crate) fn count_coalesced(behind: &Behind) {
    stats::Counters::add(&behind.counters.coalesced, 1);
}

pub(crate) fn count_rejected(behind: &Behind) {
    stats::Counters::add(&behind.counters.rejected, 1);
}

impl<E: BotEntity> AnyQueue for Queue<E> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn flush_round<'a>(
        &'a self,
        db: &'a Db,
    ) -> Pin<Box<dyn Future<Output = Result<usize, Error>> + Send + 'a>> {
        Box::pin(flush_queue(self, db))
    }

    fn min_seq(&self) -> Option<u64> {
        Queue::min_seq(self)
    }

    fn depth(&self) -> (usize, Option<Instant>) {
        Queue::depth(self)
    }

    fn has_pending(&self) -> bool {
        Queue::has_pending(self)
    }

    fn supersede_any<'a>(
        &'a self,
        key: &'a (dyn Any + Send + Sync),
        seq: u64,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            if let Some(key) = key.downcast_ref::<E::Key>() {
                self.supersede(key, seq).await;
            }
        })
    }
}

/// Puts every row of a round that is still in flight back to pending when the round ends:
/// rows not tried after a failure, and all of them when the round is dropped half way (its
/// runtime shutting down). Rows already settled are not in flight, so they are left as they
/// are.
struct SettleOnDrop<'a, E: BotEntity> {
    queue: &'a Queue<E>,
    taken: &'a [Taken<E>],
}

impl<E: BotEntity> Drop for SettleOnDrop<'_, E> {
    fn drop(&mut self) {
        self.queue
            .settle(self.taken.iter().map(|taken| &taken.key), false);
    }
}

/// One round for one queue: the saves through the bulk path — split over up to
/// `connections` connections by contiguous ranges of (partition, key), each part one
/// transaction — then the deletes. Rows whose write failed go back to pending.
async fn flush_queue<E: BotEntity>(queue: &Queue<E>, db: &Db) -> Result<usize, Error> {
    let mut taken = queue.take();
    if taken.is_empty() {
        return Ok(0);
    }
    let deletes: Vec<E::Key> = taken
        .iter()
        .filter(|taken| taken.row.is_none())
        .map(|taken| taken.key.clone())
        .collect();
    let rows: Vec<E> = taken
        .iter_mut()
        .filter_map(|taken| taken.row.take())
        .collect();
    let _unsettled_back = SettleOnDrop {
        queue,
        taken: &taken,
    };
    let written = rows.len();
    let mut failure = None;
    if !rows.is_empty() {
        let exact = db
            .pool
            .registry
            .plan::<E>()
            .is_ok_and(|plan| plan.exact_keys());
        // Keys the server compares loosely could meet in two parts: one connection then.
        let connections = if exact {
            db.pool.registry.behind.config.connections.max(1)
        } else {
            1
        };
        let parts = crate::bulk::ordered_parts(rows, connections);
        let mut running = Vec::with_capacity(parts.len());
        for part in parts {
            let db = db.clone();
            running.push(tokio::spawn(async move {
                let saved = db.bulk::<E>().for_flusher().save(&part).await.map(drop);
                (part, saved)
            }));
        }
        for task in running {
            match task.await {
                Ok((part, saved)) => {
                    let keys: Vec<E::Key> = part.iter().map(BotEntity::key).collect();
                    queue.settle(keys.iter(), saved.is_ok());
                    if let Err(err) = saved {
                        failure = Some(err);
                    }
                }
                // A part's task died (its runtime is going away): its rows stay in flight
                // until the guard below puts them back.
                Err(_) => failure = Some(Error::Closed),
            }
        }
    }
    let mut deleted = 0;
    for key in &deletes {
        let outcome = db.delete_from_queue::<E>(key).await;
        queue.settle(std::iter::once(key), outcome.is_ok());
        match outcome {
            Ok(_) => deleted += 1,
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    match failure {
        Some(err) => Err(err),
        None => Ok(written + deleted),
    }
}
