//! The write-behind: `save_deferred` and `delete_deferred` return at once; a [`Flusher`]
//! writes the newest value of each dirty key, on an interval or when enough rows wait, and
//! keeps every row until the server has it.
//!
//! [`WriteBehind`] holds one [`Queue`] per entity type, each with the [`Sink`] its rows are
//! written to (the repository's bulk path gives it), the settings, the acceptance order and
//! the counters: `entry.rs` is a queue with its sink and one flush round, `flusher.rs` the
//! task, `queue.rs` the rows, `stats.rs` the counters, `config.rs` the settings.
//!
//! Ordering rules, per key: a newer deferred write replaces an older one; a write being
//! flushed is never overtaken by an older one (a failed flush puts a row back only when no
//! newer one was accepted meanwhile); a direct save or delete drops the pending deferred
//! write and waits for one being flushed, so the direct write lands last.

mod config;
mod entry;
mod flusher;
mod queue;
mod stats;

pub use config::{WhenFull, WriteBehindConfig};
pub use stats::WriteBehindStats;

pub(crate) use entry::{AnyQueue, BoxFuture, Sink};
pub(crate) use queue::{Op, Queue};

use std::any::TypeId;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tokio::sync::watch;

use crate::{BotEntity, Error};
use entry::Entry;
use flusher::Flusher;
use queue::Full;

/// Every deferred write of one server's pool: the queues, their settings and their flusher.
#[derive(Debug)]
pub(crate) struct WriteBehind {
    pub(crate) config: WriteBehindConfig,
    /// One slot per registered entity type, filled on its first deferred write.
    queues: Vec<(TypeId, OnceLock<Box<dyn AnyQueue>>)>,
    /// Acceptance order across every queue: `flush` waits for the writes before it.
    seq: AtomicU64,
    /// Counts finished flush rounds; `flush` waits on it.
    rounds: watch::Sender<u64>,
    flusher: Flusher,
    counters: stats::Counters,
}

impl WriteBehind {
    /// A write-behind for the entity types `types`, with no queue made yet.
    pub(crate) fn new(config: WriteBehindConfig, types: impl Iterator<Item = TypeId>) -> Self {
        WriteBehind {
            config,
            queues: types.map(|type_id| (type_id, OnceLock::new())).collect(),
            seq: AtomicU64::new(0),
            rounds: watch::channel(0).0,
            flusher: Flusher::default(),
            counters: stats::Counters::default(),
        }
    }

    fn slot(&self, type_id: TypeId) -> Option<&OnceLock<Box<dyn AnyQueue>>> {
        let (_, slot) = self.queues.iter().find(|(id, _)| *id == type_id)?;
        Some(slot)
    }

    /// The queue of the entity type `type_id`, when one was made.
    pub(crate) fn queue_by_type(&self, type_id: TypeId) -> Option<&dyn AnyQueue> {
        self.slot(type_id)?.get().map(|queue| &**queue)
    }

    /// `E`'s queue, when a deferred write made one.
    pub(crate) fn queue<E: BotEntity>(&self) -> Option<&Queue<E>> {
        let entry: &Entry<E> = self
            .queue_by_type(TypeId::of::<E>())?
            .as_any()
            .downcast_ref()?;
        Some(&entry.queue)
    }

    /// `E`'s queue by its registry position (the order `new` was given the types in): no
    /// search on the hot paths.
    pub(crate) fn queue_at<E: BotEntity>(&self, position: usize) -> Option<&Queue<E>> {
        let (type_id, slot) = self.queues.get(position)?;
        debug_assert_eq!(*type_id, TypeId::of::<E>());
        let entry: &Entry<E> = slot.get()?.as_any().downcast_ref()?;
        Some(&entry.queue)
    }

    /// Every queue made so far.
    pub(crate) fn queues(&self) -> impl Iterator<Item = &dyn AnyQueue> {
        self.queues
            .iter()
            .filter_map(|(_, slot)| slot.get().map(|queue| &**queue))
    }

    /// `E`'s queue, made now (writing to `sink()`) if needed; `None` when `E` was not
    /// registered.
    fn queue_or_make<E: BotEntity + Clone>(
        &self,
        sink: impl FnOnce() -> Box<dyn Sink<E>>,
    ) -> Option<&Queue<E>> {
        let slot = self.slot(TypeId::of::<E>())?;
        let queue = slot.get_or_init(|| {
            Box::new(Entry {
                queue: Queue::<E>::new(<E as Clone>::clone),
                sink: sink(),
            })
        });
        let entry: &Entry<E> = queue.as_any().downcast_ref()?;
        Some(&entry.queue)
    }

    /// The acceptance number of the newest write accepted so far.
    pub(crate) fn last_seq(&self) -> u64 {
        self.seq.load(Ordering::Relaxed)
    }

    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Whether any deferred write was ever accepted (a queue exists).
    pub(crate) fn in_use(&self) -> bool {
        self.queues().next().is_some()
    }

    /// Queues `op` for `key`, as the bound and `when_full` allow.
    pub(crate) async fn defer<E: BotEntity + Clone>(
        self: &Arc<Self>,
        key: E::Key,
        op: Op<E>,
        sink: impl FnOnce() -> Box<dyn Sink<E>>,
    ) -> Result<(), Error> {
        let queue = self.queue_or_make(sink).ok_or(Error::NotRegistered {
            entity: E::META.entity,
        })?;
        self.flusher.ensure_running(self);
        let config = &self.config;
        let deadline = match config.when_full {
            WhenFull::Wait(limit) => Some(Instant::now() + limit),
            WhenFull::Reject => None,
        };
        let mut op = Some(op);
        loop {
            let room = queue.changed();
            let taken = op.take().expect("put back on every retry");
            match queue.accept_or_return(key.clone(), taken, self.next_seq(), config.max_dirty) {
                Ok((coalesced, pending)) => {
                    self.accepted(coalesced, pending);
                    return Ok(());
                }
                Err((Full, back)) => {
                    op = Some(back);
                    // A full queue needs the flusher now.
                    self.flusher.wake();
                    let waited = match deadline {
                        Some(deadline) => {
                            tokio::time::timeout_at(deadline.into(), room).await.is_ok()
                        }
                        None => false,
                    };
                    if !waited {
                        stats::Counters::add(&self.counters.rejected, 1);
                        return Err(Error::QueueFull {
                            entity: E::META.entity,
                            key: format!("{key:?}"),
                            max_dirty: config.max_dirty,
                        });
                    }
                }
            }
        }
    }

    /// Queues a write accepted elsewhere (a cluster's, kept aside while its range was
    /// held), past the bound if need be: it was accepted already, so it is not refused now.
    pub(crate) fn defer_accepted<E: BotEntity + Clone>(
        self: &Arc<Self>,
        key: E::Key,
        op: Op<E>,
        sink: impl FnOnce() -> Box<dyn Sink<E>>,
    ) {
        let Some(queue) = self.queue_or_make(sink) else {
            // Kept aside only after a check that the entity is registered here.
            return;
        };
        self.flusher.ensure_running(self);
        if let Ok((coalesced, pending)) =
            queue.accept_or_return(key, op, self.next_seq(), usize::MAX)
        {
            self.accepted(coalesced, pending);
        }
    }

    fn accepted(&self, coalesced: bool, pending: usize) {
        if coalesced {
            stats::Counters::add(&self.counters.coalesced, 1);
        }
        if pending >= self.config.threshold {
            self.flusher.wake();
        }
    }

    /// Returns when every deferred write accepted before the call is in the server. While
    /// the server is away it keeps waiting (the flusher retries): bound it with a timeout.
    pub(crate) async fn flush(self: &Arc<Self>) -> Result<(), Error> {
        let target = self.last_seq();
        let mut rounds = self.rounds.subscribe();
        loop {
            let done = self
                .queues()
                .all(|queue| queue.min_seq().is_none_or(|seq| seq > target));
            if done {
                return Ok(());
            }
            self.flusher.ensure_running(self);
            rounds.mark_unchanged();
            self.flusher.wake();
            if rounds.changed().await.is_err() {
                return Err(Error::Closed);
            }
        }
    }

    /// Drains every queue (as [`flush`](Self::flush)) and stops the flusher; a later
    /// deferred write starts it again.
    pub(crate) async fn shutdown(self: &Arc<Self>) -> Result<(), Error> {
        self.flusher.stop_after(self.flush()).await
    }

    /// The queues' depth and what they have done.
    pub(crate) fn stats(&self) -> WriteBehindStats {
        let mut depth = 0;
        let mut oldest: Option<Instant> = None;
        for queue in self.queues() {
            let (rows, first) = queue.depth();
            depth += rows;
            oldest = match (oldest, first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let age = oldest.map_or(std::time::Duration::ZERO, |at| at.elapsed());
        WriteBehindStats::from_counters(&self.counters, depth, age)
    }
}
