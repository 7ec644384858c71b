//! One entity type's dirty rows: accepted, coalesced by key, taken by the flusher in batches.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use tokio::sync::Notify;

use crate::BotEntity;

/// What a key is waiting to become.
pub(crate) enum Op<E> {
    Save(E),
    Delete,
}

/// One accepted write: the newest per key.
struct Entry<E> {
    op: Op<E>,
    /// Acceptance order across every queue of the server: `flush` waits for the ones before it.
    seq: u64,
    accepted: Instant,
}

struct State<E: BotEntity> {
    /// Waiting for the flusher.
    pending: HashMap<E::Key, Entry<E>>,
    /// Taken by the flusher, being written now.
    in_flight: HashMap<E::Key, Entry<E>>,
}

/// A save or delete taken for one flush: its key and its value (`None`: delete).
pub(crate) struct Taken<E: BotEntity> {
    pub(crate) key: E::Key,
    pub(crate) row: Option<E>,
}

/// Why a write was not accepted: the queue holds its bound of dirty rows.
pub(crate) struct Full;

pub(crate) struct Queue<E: BotEntity> {
    state: Mutex<State<E>>,
    clone: fn(&E) -> E,
    /// Woken whenever rows leave the queue or in-flight writes end.
    changed: Notify,
}

impl<E: BotEntity> Queue<E> {
    pub(crate) fn new(clone: fn(&E) -> E) -> Queue<E> {
        Queue {
            state: Mutex::new(State {
                pending: HashMap::new(),
                in_flight: HashMap::new(),
            }),
            clone,
            changed: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<E>> {
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Takes `op` for `key` unless the queue holds `max` dirty keys and `key` is not among
    /// them (then `op` comes back). Returns whether it replaced a pending write (coalesced) and
    /// how many are pending.
    pub(crate) fn accept_or_return(
        &self,
        key: E::Key,
        op: Op<E>,
        seq: u64,
        max: usize,
    ) -> Result<(bool, usize), (Full, Op<E>)> {
        let mut state = self.state();
        // The bound is on dirty keys: a key already queued or being written takes a newer
        // value without counting again.
        let dirty = state.pending.len() + state.in_flight.len();
        let known = state.pending.contains_key(&key) || state.in_flight.contains_key(&key);
        if dirty >= max && !known {
            return Err((Full, op));
        }
        let entry = Entry {
            op,
            seq,
            accepted: Instant::now(),
        };
        let coalesced = state.pending.insert(key, entry).is_some();
        Ok((coalesced, state.pending.len()))
    }

    /// What `key` is waiting to become: `Some(Some(row))` a save, `Some(None)` a delete,
    /// `None` when nothing is queued for it.
    pub(crate) fn lookup(&self, key: &E::Key) -> Option<Option<E>> {
        let state = self.state();
        let entry = state
            .pending
            .get(key)
            .or_else(|| state.in_flight.get(key))?;
        Some(match &entry.op {
            Op::Save(row) => Some((self.clone)(row)),
            Op::Delete => None,
        })
    }

    /// A direct write of `key` is about to be sent: its pending deferred write (accepted up
    /// to `seq`, before the direct write began) is dropped, and one being written now is
    /// waited for, so the direct write lands after it. Whether a pending save was dropped
    /// (the key held that row for every reader until now).
    pub(crate) async fn supersede(&self, key: &E::Key, seq: u64) -> bool {
        let mut dropped_save = false;
        loop {
            let changed = self.changed.notified();
            {
                let mut state = self.state();
                if state.pending.get(key).is_some_and(|entry| entry.seq <= seq) {
                    if let Some(entry) = state.pending.remove(key) {
                        dropped_save |= matches!(entry.op, Op::Save(_));
                    }
                    self.changed.notify_waiters();
                }
                if !state.in_flight.contains_key(key) {
                    return dropped_save;
                }
            }
            changed.await;
        }
    }

    /// Moves every pending write to in flight, returning copies to write.
    pub(crate) fn take(&self) -> Vec<Taken<E>> {
        let mut state = self.state();
        let pending = std::mem::take(&mut state.pending);
        let mut taken = Vec::with_capacity(pending.len());
        for (key, entry) in pending {
            taken.push(Taken {
                key: key.clone(),
                row: match &entry.op {
                    Op::Save(row) => Some((self.clone)(row)),
                    Op::Delete => None,
                },
            });
            state.in_flight.insert(key, entry);
        }
        taken
    }

    /// The writes of `taken` are over: written (`ok`) or not, in which case each goes back
    /// to pending unless a newer write of its key was accepted meanwhile.
    pub(crate) fn settle<'a>(&self, keys: impl Iterator<Item = &'a E::Key>, ok: bool)
    where
        E: 'a,
    {
        let mut state = self.state();
        for key in keys {
            let Some(entry) = state.in_flight.remove(key) else {
                continue;
            };
            if !ok && !state.pending.contains_key(key) {
                state.pending.insert(key.clone(), entry);
            }
        }
        drop(state);
        self.changed.notify_waiters();
    }

    /// The lowest seq still queued or in flight.
    pub(crate) fn min_seq(&self) -> Option<u64> {
        let state = self.state();
        state
            .pending
            .values()
            .chain(state.in_flight.values())
            .map(|entry| entry.seq)
            .min()
    }

    /// Rows held (pending and in flight), and when the oldest was accepted.
    pub(crate) fn depth(&self) -> (usize, Option<Instant>) {
        let state = self.state();
        let oldest = state
            .pending
            .values()
            .chain(state.in_flight.values())
            .map(|entry| entry.accepted)
            .min();
        (state.pending.len() + state.in_flight.len(), oldest)
    }

    pub(crate) fn has_pending(&self) -> bool {
        !self.state().pending.is_empty()
    }

    /// Resolves when rows next leave the queue (room for a waiting write); create it before
    /// looking, so a change in between is not missed.
    pub(crate) fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }
}
