//! The write gate: every write through a cluster takes a shared pass; a range move (this
//! process's own, or another's taken in from the shared map) takes the gate alone for a
//! moment to mark its range as held, so that writes to it wait while the ones in flight
//! have ended.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, OwnedRwLockReadGuard, RwLock};

use crate::Error;

/// Who holds a range: each lets go of its own hold only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Holder {
    /// A move made by this process, by its token.
    Move(u64),
    /// Another process's move, taken in from the shared map, by the hold's number.
    Follower(u64),
}

/// A write's pass: the gate cannot be taken alone while it is out.
pub(super) type Pass = OwnedRwLockReadGuard<()>;

#[derive(Debug, Default)]
pub(super) struct WriteGate {
    gate: Arc<RwLock<()>>,
    /// The ranges held now, and by whom.
    holding: Mutex<Vec<(Holder, Range<u64>)>>,
    /// Whether `holding` is not empty: read without the lock on every write.
    held_any: AtomicBool,
    /// Wakes the writes that wait for a held range.
    released: Notify,
}

impl WriteGate {
    fn holding(&self) -> std::sync::MutexGuard<'_, Vec<(Holder, Range<u64>)>> {
        self.holding.lock().expect("holding lock")
    }

    /// A held range for which `touches` holds.
    fn held(&self, touches: impl Fn(&Range<u64>) -> bool) -> Option<Range<u64>> {
        self.holding()
            .iter()
            .map(|(_, range)| range)
            .find(|range| touches(range))
            .cloned()
    }

    /// A range held now, if any.
    pub(super) fn any_held(&self) -> Option<Range<u64>> {
        self.held(|_| true)
    }

    /// The held range that holds `id`, if one does.
    pub(super) fn held_with(&self, id: u64) -> Option<Range<u64>> {
        self.held(|range| range.contains(&id))
    }

    /// A pass for a write to bot ids for which `touches` holds, waiting (at most `wait`)
    /// while a range it touches is held.
    pub(super) async fn pass(
        &self,
        touches: impl Fn(&Range<u64>) -> bool,
        wait: Duration,
    ) -> Result<Pass, Error> {
        // The common case first: nothing held and no hold waiting for the gate. No clock
        // read, no timer, no waiter registered. (A hold is marked while the gate is taken
        // alone, so a pass taken after it sees the mark.)
        if let Ok(pass) = Arc::clone(&self.gate).try_read_owned() {
            if !self.held_any.load(Ordering::Acquire) || self.held(&touches).is_none() {
                return Ok(pass);
            }
        }
        let deadline = tokio::time::Instant::now() + wait;
        let refused = |range: Option<Range<u64>>| {
            let range = range.unwrap_or(0..0);
            Error::RangeMoving {
                start: range.start,
                end: range.end,
                waited: wait,
            }
        };
        loop {
            let released = self.released.notified();
            let pass = tokio::time::timeout_at(deadline, Arc::clone(&self.gate).read_owned())
                .await
                .map_err(|_| refused(self.any_held()))?;
            let Some(range) = self.held(&touches) else {
                return Ok(pass);
            };
            drop(pass);
            tokio::time::timeout_at(deadline, released)
                .await
                .map_err(|_| refused(Some(range)))?;
        }
    }

    /// Holds `ids` for `holder`; returns once the passes out (the writes in flight) are
    /// back, at most `wait`.
    pub(super) async fn hold(
        &self,
        holder: Holder,
        ids: Range<u64>,
        wait: Duration,
    ) -> Result<(), Error> {
        let alone = tokio::time::timeout(wait, self.gate.write())
            .await
            .map_err(|_| Error::RangeMoving {
                start: ids.start,
                end: ids.end,
                waited: wait,
            })?;
        self.holding().push((holder, ids));
        self.held_any.store(true, Ordering::Release);
        drop(alone);
        Ok(())
    }

    /// Lets go of `holder`'s hold (of no other); [`wake`](Self::wake) the writes waiting
    /// after.
    pub(super) fn release(&self, holder: Holder) {
        let mut holding = self.holding();
        holding.retain(|(by, _)| *by != holder);
        self.held_any.store(!holding.is_empty(), Ordering::Release);
    }

    /// Wakes the writes waiting for a held range.
    pub(super) fn wake(&self) {
        self.released.notify_waiters();
    }

    /// Whether any range is held (no lock taken).
    pub(super) fn held_any(&self) -> bool {
        self.held_any.load(Ordering::Acquire)
    }

    /// A pass for a write to bot ids for which `touches` holds, only if one can be had now
    /// and none of them is held.
    pub(super) fn try_pass(&self, touches: impl Fn(&Range<u64>) -> bool) -> Option<Pass> {
        let pass = Arc::clone(&self.gate).try_read_owned().ok()?;
        (!self.held_any() || self.held(touches).is_none()).then_some(pass)
    }

    /// Waits (at most `limit`) for a hold to be let go of.
    pub(super) async fn released(&self, limit: Duration) {
        let _ = tokio::time::timeout(limit, self.released.notified()).await;
    }
}
