//! Deferred writes to a range a move holds: taken at once and kept here, never waited on
//! and never refused because of the move; once the hold is let go of they go to the
//! write-behind queue of whichever shard the routes name then (the target after a switch,
//! the source after a rollback).
//!
//! Order per key, as the queue keeps it: a newer deferred write replaces a parked one; a
//! direct write of a parked key drops it (it was accepted before the direct write began);
//! loads see a parked write first, as they see a queued one.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::behind::Op;
use crate::server::Server;
use crate::BotEntity;

/// One entity type's parked writes.
struct ParkedOf<E: BotEntity> {
    rows: HashMap<E::Key, Op<E>>,
    clone: fn(&E) -> E,
}

/// What the cluster needs of any entity type's parked writes.
trait AnyParked: Send + Sync {
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn as_any(&self) -> &dyn Any;
    fn len(&self) -> usize;
    /// Hands each write whose id `still_held` says is free to the queue `queue_of` names;
    /// returns how many went.
    fn drain(
        &mut self,
        still_held: &dyn Fn(Option<u64>) -> bool,
        queue_of: &dyn Fn(Option<u64>) -> Server,
    ) -> usize;
}

impl<E: BotEntity + Clone> AnyParked for ParkedOf<E> {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn drain(
        &mut self,
        still_held: &dyn Fn(Option<u64>) -> bool,
        queue_of: &dyn Fn(Option<u64>) -> Server,
    ) -> usize {
        let free: Vec<E::Key> = self
            .rows
            .keys()
            .filter(|key| !still_held(E::key_partition_key(key)))
            .cloned()
            .collect();
        for key in &free {
            let op = self.rows.remove(key).expect("just listed");
            queue_of(E::key_partition_key(key)).defer_taken(key.clone(), op);
        }
        free.len()
    }
}

/// Every entity type's parked writes.
#[derive(Default)]
pub(super) struct Parked {
    by_type: Mutex<HashMap<TypeId, Box<dyn AnyParked>>>,
    /// Parked writes in all, read without the lock: the common case is none.
    count: AtomicUsize,
}

impl std::fmt::Debug for Parked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Parked({} writes)", self.len())
    }
}

impl Parked {
    fn by_type(&self) -> std::sync::MutexGuard<'_, HashMap<TypeId, Box<dyn AnyParked>>> {
        self.by_type
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Parked writes in all.
    pub(super) fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    fn recount(&self, by_type: &HashMap<TypeId, Box<dyn AnyParked>>) {
        let count = by_type.values().map(|parked| parked.len()).sum();
        self.count.store(count, Ordering::Release);
    }

    /// Parks `op` for `key` when `held` says its range is held or the key is parked already
    /// (so it cannot overtake the parked one); gives it back otherwise. Decided under the
    /// lock a drain takes, so a write is either parked before a drain or sent after it.
    pub(super) fn park_if<E: BotEntity + Clone>(
        &self,
        key: E::Key,
        op: Op<E>,
        held: impl FnOnce() -> bool,
    ) -> Option<(E::Key, Op<E>)> {
        let mut by_type = self.by_type();
        let parked_already = by_type
            .get(&TypeId::of::<E>())
            .and_then(|parked| parked.as_any().downcast_ref::<ParkedOf<E>>())
            .is_some_and(|parked| parked.rows.contains_key(&key));
        if !parked_already && !held() {
            return Some((key, op));
        }
        let parked = by_type.entry(TypeId::of::<E>()).or_insert_with(|| {
            Box::new(ParkedOf::<E> {
                rows: HashMap::new(),
                clone: <E as Clone>::clone,
            })
        });
        let parked = parked
            .as_any_mut()
            .downcast_mut::<ParkedOf<E>>()
            .expect("parked writes of their own type");
        parked.rows.insert(key, op);
        self.recount(&by_type);
        None
    }

    /// A direct write of `key` begins: its parked write, accepted before, goes.
    pub(super) fn supersede<E: BotEntity>(&self, key: &E::Key) {
        // Taken even when nothing is parked: a drain in progress finishes first, so the
        // direct write's queue sees what it handed over.
        let mut by_type = self.by_type();
        if let Some(parked) = by_type
            .get_mut(&TypeId::of::<E>())
            .and_then(|parked| parked.as_any_mut().downcast_mut::<ParkedOf<E>>())
        {
            parked.rows.remove(key);
        }
        self.recount(&by_type);
    }

    /// What `key` is parked as: `Some(Some(row))` a save, `Some(None)` a delete.
    pub(super) fn lookup<E: BotEntity>(&self, key: &E::Key) -> Option<Option<E>> {
        if self.len() == 0 {
            return None;
        }
        let by_type = self.by_type();
        let parked = by_type
            .get(&TypeId::of::<E>())?
            .as_any()
            .downcast_ref::<ParkedOf<E>>()?;
        Some(match parked.rows.get(key)? {
            Op::Save(row) => Some((parked.clone)(row)),
            Op::Delete => None,
        })
    }

    /// Lets go of a hold (`release`) and hands every parked write whose range is then free
    /// to its shard's queue, both under the lock a deferred write parks under: a write
    /// either parks before and is handed over here, or finds its range free after.
    pub(super) fn release_and_drain(
        &self,
        release: impl FnOnce(),
        still_held: &dyn Fn(Option<u64>) -> bool,
        queue_of: &dyn Fn(Option<u64>) -> Server,
    ) -> usize {
        let mut by_type = self.by_type();
        release();
        let drained = by_type
            .values_mut()
            .map(|parked| parked.drain(still_held, queue_of))
            .sum();
        self.recount(&by_type);
        drained
    }
}
