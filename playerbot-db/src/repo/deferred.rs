//! Deferred writes: accepted at once, written by the flusher (see `behind`).

use std::time::Instant;

use super::validate;
use crate::behind::{flusher, Full, Op, WhenFull, WriteBehindStats};
use crate::{BotEntity, Db, Error};

impl Db {
    /// Accepts `entity` for the write-behind queue and returns at once: the flusher writes
    /// the newest value of each key in bulk, within the configured interval. Loads see it
    /// right away. Invalid values are refused here, before anything is queued. A full queue
    /// waits or refuses as configured (`WhenFull`), never drops.
    pub async fn save_deferred<E: BotEntity + Clone>(&self, entity: &E) -> Result<(), Error> {
        self.check_deferred(entity)?;
        self.defer(entity.key(), Op::Save(entity.clone())).await
    }

    /// What `save_deferred` refuses before anything is queued: invalid values, a new row
    /// of an `auto_increment` entity (its id is the server's to give).
    pub(crate) fn check_deferred<E: BotEntity>(&self, entity: &E) -> Result<(), Error> {
        let plan = self.pool.registry.keyed_plan::<E>("save_deferred")?;
        let params = entity.to_params();
        let key = || format!("{:?}", entity.key());
        validate::check_row(E::META, plan.live().as_deref(), &params, key)?;
        if E::META.is_new_row(&params) {
            return Err(Error::NoIdYet {
                entity: E::META.entity,
            });
        }
        Ok(())
    }

    /// Queues a write accepted elsewhere (a cluster's, parked while its range was held),
    /// past the queue's bound if need be: it was accepted already, so it is not refused now.
    pub(crate) fn defer_taken<E: BotEntity + Clone>(&self, key: E::Key, op: Op<E>) {
        let Ok(plan) = self.pool.registry.plan::<E>() else {
            // Parked only after a check that the entity is registered here.
            return;
        };
        let behind = &self.pool.registry.behind;
        let queue = plan.queue_or_make::<E>();
        flusher::ensure_running(&self.pool);
        let accepted = queue.accept_or_return(key, op, behind.next_seq(), usize::MAX);
        if let Ok((coalesced, pending)) = accepted {
            if coalesced {
                crate::behind::count_coalesced(behind);
            }
            if pending >= behind.config.threshold {
                behind.wake.notify_one();
            }
        }
    }

    /// Accepts a delete of `key` for the write-behind queue (it replaces a deferred save of
    /// the key; a later deferred save re-creates the row).
    pub async fn delete_deferred<E: BotEntity + Clone>(&self, key: &E::Key) -> Result<(), Error> {
        self.pool.registry.keyed_plan::<E>("delete_deferred")?;
        self.defer::<E>(key.clone(), Op::Delete).await
    }

    /// Queues `op` for `key`, as the queue's bound and `WhenFull` allow.
    pub(crate) async fn defer<E: BotEntity + Clone>(
        &self,
        key: E::Key,
        op: Op<E>,
    ) -> Result<(), Error> {
        if self.pool.is_closed() {
            return Err(Error::Closed);
        }
        let plan = self.pool.registry.plan::<E>()?;
        let queue = plan.queue_or_make::<E>();
        let behind = &self.pool.registry.behind;
        flusher::ensure_running(&self.pool);
        let deadline = match behind.config.when_full {
            WhenFull::Wait(limit) => Some(Instant::now() + limit),
            WhenFull::Reject => None,
        };
        let mut op = Some(op);
        loop {
            let room = queue.changed();
            let seq = behind.next_seq();
            let taken = op.take().expect("put back on every retry");
            match queue.accept_or_return(key.clone(), taken, seq, behind.config.max_dirty) {
                Ok((coalesced, pending)) => {
                    if coalesced {
                        crate::behind::count_coalesced(behind);
                    }
                    if pending >= behind.config.threshold {
                        behind.wake.notify_one();
                    }
                    return Ok(());
                }
                Err((Full, back)) => {
                    op = Some(back);
                    // A full queue needs the flusher now.
                    behind.wake.notify_one();
                    let waited = match deadline {
                        Some(deadline) => {
                            tokio::time::timeout_at(deadline.into(), room).await.is_ok()
                        }
                        None => false,
                    };
                    if !waited {
                        crate::behind::count_rejected(behind);
                        return Err(Error::QueueFull {
                            entity: E::META.entity,
                            key: format!("{key:?}"),
                            max_dirty: behind.config.max_dirty,
                        });
                    }
                }
            }
        }
    }

    /// Returns when every deferred write accepted before the call is in the server. While
    /// the server is away it keeps waiting (the flusher retries): bound it with a timeout.
    pub async fn flush(&self) -> Result<(), Error> {
        let behind = &self.pool.registry.behind;
        let target = behind.last_seq();
        let mut rounds = behind.rounds.subscribe();
        loop {
            let done = self
                .pool
                .registry
                .queues()
                .all(|queue| queue.min_seq().is_none_or(|seq| seq > target));
            if done {
                return Ok(());
            }
            flusher::ensure_running(&self.pool);
            rounds.mark_unchanged();
            behind.wake.notify_one();
            if rounds.changed().await.is_err() {
                return Err(Error::Closed);
            }
        }
    }

    /// Drains the write-behind queue (as [`flush`](Self::flush)) and stops the flusher.
    pub async fn shutdown(&self) -> Result<(), Error> {
        let behind = &self.pool.registry.behind;
        behind
            .stopping
            .store(true, std::sync::atomic::Ordering::Release);
        // Done or dropped half way, the flag goes back down: a later deferred write starts a
        // flusher that waits its interval again.
        let _lowered = StoppingFlag(behind);
        let flushed = self.flush().await;
        behind.wake.notify_one();
        let task = behind
            .flusher
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
        flushed
    }

    /// The write-behind queue's depth and what it has done.
    pub fn write_behind_stats(&self) -> WriteBehindStats {
        let mut depth = 0;
        let mut oldest: Option<Instant> = None;
        for queue in self.pool.registry.queues() {
            let (rows, first) = queue.depth();
            depth += rows;
            oldest = match (oldest, first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let age = oldest.map_or(std::time::Duration::ZERO, |at| at.elapsed());
        WriteBehindStats::from_counters(&self.pool.registry.behind.counters, depth, age)
    }
}

/// Lowers `Behind::stopping` when dropped.
struct StoppingFlag<'a>(&'a crate::behind::Behind);

impl Drop for StoppingFlag<'_> {
    fn drop(&mut self) {
        self.0
            .stopping
            .store(false, std::sync::atomic::Ordering::Release);
    }
}
