//! The L1 cache: one per cached entity type, in front of `load`, `load_many` and every write.
//!
//! Values live in a `quick_cache` (Clock-PRO-like eviction, scan resistant). What the crate
//! cannot know is the order of our reads and writes against the server; that is kept here by
//! a generation counter per stripe of keys:
//!
//! - a miss takes a ticket (the stripe's generation) before it reads the server, and fills
//!   only if the generation is unchanged when the row comes back — a load that started before
//!   a save can never put its older row in after the save;
//! - a write bumps the generation before it is sent, and when it is done puts its value in
//!   only if no other write to the stripe came in between (else it removes the key: the
//!   server alone knows which of two concurrent writes landed last), bumping again.
//!
//! Fills and write ends take the stripe's lock, so a check and its insert are one step. A
//! write that fails, or whose future is dropped, removes the key (see [`PendingWrites`]). A
//! dropped write may still be running on the server (the pool kills it and waits for the
//! server to let go, see the recycler), so its keys are not filled again for [`SETTLE`].

mod stats;

pub use stats::CacheStats;

use std::any::Any;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use quick_cache::{Lifecycle, UnitWeighter};

use crate::{BotEntity, CacheHooks, CachePolicy};

/// Stripes of keys that share a generation: enough that unrelated keys rarely meet.
const STRIPES: usize = 1024;

/// How long the keys of a write whose outcome is unknown (cancelled, connection lost) stay
/// out of memory: past the time the pool takes to make sure its statement is gone.
pub(crate) const SETTLE: Duration = Duration::from_secs(10);

/// A cached value, with how to clone it (the entity type need not be `Clone` for the
/// library; the derive hands the function over for cached entities) and when it expires.
struct Entry<E> {
    value: E,
    clone: fn(&E) -> E,
    expires: Option<Instant>,
}

impl<E> Clone for Entry<E> {
    fn clone(&self) -> Self {
        Entry {
            value: (self.clone)(&self.value),
            clone: self.clone,
            expires: self.expires,
        }
    }
}

/// Counts evictions and passes evicted values to the hooks.
struct Evictions<E: BotEntity> {
    count: Arc<AtomicU64>,
    hooks: Option<Arc<dyn CacheHooks<E>>>,
}

impl<E: BotEntity> Clone for Evictions<E> {
    fn clone(&self) -> Self {
        Evictions {
            count: Arc::clone(&self.count),
            hooks: self.hooks.clone(),
        }
    }
}

impl<E: BotEntity> Lifecycle<E::Key, Entry<E>> for Evictions<E> {
    type RequestState = ();

    fn begin_request(&self) {}

    fn on_evict(&self, _state: &mut (), _key: E::Key, entry: Entry<E>) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Some(hooks) = &self.hooks {
            hooks.on_evict(&entry.value);
        }
    }
}

type Items<E> = Cache<<E as BotEntity>::Key, Entry<E>, UnitWeighter, RandomState, Evictions<E>>;

/// The cache of entity type `E`.
pub(crate) struct EntityCache<E: BotEntity> {
    items: Items<E>,
    clone: fn(&E) -> E,
    ttl: Option<Duration>,
    capacity: u64,
    generations: Box<[Mutex<u64>]>,
    hasher: RandomState,
    hooks: Option<Arc<dyn CacheHooks<E>>>,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: Arc<AtomicU64>,
    /// Keys of writes with an unknown outcome, and until when they stay out of memory.
    unsettled: Mutex<std::collections::HashMap<E::Key, Instant>>,
    any_unsettled: std::sync::atomic::AtomicBool,
}

/// A miss's place in the stripe's history: the fill goes in only if nothing wrote since.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    stripe: usize,
    generation: u64,
}

impl<E: BotEntity> EntityCache<E> {
    pub(crate) fn new(
        policy: CachePolicy,
        clone: fn(&E) -> E,
        hooks: Option<Arc<dyn CacheHooks<E>>>,
    ) -> EntityCache<E> {
        let capacity = policy.capacity.max(1);
        let evictions = Arc::new(AtomicU64::new(0));
        let lifecycle = Evictions {
            count: Arc::clone(&evictions),
            hooks: hooks.clone(),
        };
        let items = Cache::with(
            usize::try_from(capacity).unwrap_or(usize::MAX),
            capacity,
            UnitWeighter,
            RandomState::new(),
            lifecycle,
        );
        EntityCache {
            items,
            clone,
            ttl: policy.ttl,
            capacity,
            generations: (0..STRIPES).map(|_| Mutex::new(0)).collect(),
            hasher: RandomState::new(),
            hooks,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions,
            unsettled: Mutex::new(std::collections::HashMap::new()),
            any_unsettled: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Whether `key` had a write whose outcome is not known yet (then it is not filled).
    fn is_unsettled(&self, key: &E::Key) -> bool {
        if !self.any_unsettled.load(Ordering::Acquire) {
            return false;
        }
        let mut unsettled = self.unsettled.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        unsettled.retain(|_, until| *until > now);
        self.any_unsettled
            .store(!unsettled.is_empty(), Ordering::Release);
        unsettled.contains_key(key)
    }

    pub(crate) fn unsettle(&self, key: &E::Key) {
        let mut unsettled = self.unsettled.lock().unwrap_or_else(|p| p.into_inner());
        unsettled.insert(key.clone(), Instant::now() + SETTLE);
        self.any_unsettled.store(true, Ordering::Release);
    }

    pub(crate) fn hooks(&self) -> Option<Arc<dyn CacheHooks<E>>> {
        self.hooks.clone()
    }

    fn stripe(&self, key: &E::Key) -> usize {
        (self.hasher.hash_one(key) as usize) % STRIPES
    }

    fn generation(&self, stripe: usize) -> std::sync::MutexGuard<'_, u64> {
        self.generations[stripe]
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The value in memory, counting a hit or a miss. An expired value is dropped (and
    /// reported to the hooks as evicted) and counts as a miss.
    pub(crate) fn get(&self, key: &E::Key) -> Option<E> {
        let found = self.items.get(key).and_then(|entry| match entry.expires {
            Some(at) if Instant::now() >= at => {
                if let Some((_, expired)) = self.items.remove_if(key, |e| e.expires == Some(at)) {
                    self.evictions.fetch_add(1, Ordering::Relaxed);
                    if let Some(hooks) = &self.hooks {
                        hooks.on_evict(&expired.value);
                    }
                }
                None
            }
            _ => Some(entry.value),
        });
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if let Some(hooks) = &self.hooks {
            if found.is_some() {
                hooks.on_hit(key);
            } else {
                hooks.on_miss(key);
            }
        }
        found
    }

    /// Taken before a miss reads the server.
    pub(crate) fn ticket(&self, key: &E::Key) -> Ticket {
        let stripe = self.stripe(key);
        let generation = *self.generation(stripe);
        Ticket { stripe, generation }
    }

    /// Puts a row read from the server in memory, unless a write to its stripe began since
    /// `ticket` was taken (the row may be older than that write).
    pub(crate) fn fill(&self, key: &E::Key, value: &E, ticket: Ticket) {
        let generation = self.generation(ticket.stripe);
        if *generation == ticket.generation && !self.is_unsettled(key) {
            self.insert(key.clone(), value);
            if let Some(hooks) = &self.hooks {
                hooks.on_fill(value);
            }
        }
    }

    fn insert(&self, key: E::Key, value: &E) {
        let entry = Entry {
            value: (self.clone)(value),
            clone: self.clone,
            expires: self.ttl.map(|ttl| Instant::now() + ttl),
        };
        self.items.insert(key, entry);
    }

    /// Drops `key` (a change made around the cache, by SQL or another process).
    pub(crate) fn invalidate(&self, key: &E::Key) {
        let mut generation = self.generation(self.stripe(key));
        self.items.remove(key);
        *generation += 1;
    }

    /// Writes of `keys` about to be sent: each stripe they fall in is bumped once, so loads
    /// under way do not fill. Dropped without `finish`, each key is invalidated.
    pub(crate) fn begin_writes(&self, keys: Vec<E::Key>) -> PendingWrites<'_, E> {
        let mut by_stripe: std::collections::BTreeMap<usize, (u64, Vec<E::Key>)> =
            std::collections::BTreeMap::new();
        for key in keys {
            by_stripe
                .entry(self.stripe(&key))
                .or_insert_with(|| (0, Vec::new()))
                .1
                .push(key);
        }
        for (&stripe, (began, _)) in by_stripe.iter_mut() {
            let mut generation = self.generation(stripe);
            *generation += 1;
            *began = *generation;
        }
        PendingWrites {
            cache: self,
            stripes: by_stripe,
        }
    }

    /// The writes of one stripe, begun at `began`, have ended: each key's saved value goes in
    /// when no other write to the stripe began since, else the keys are dropped; `None` (a
    /// delete, a failure) drops a key. One bump for the stripe, after.
    fn end_writes<'v>(
        &self,
        stripe: usize,
        began: u64,
        keys: &[E::Key],
        saved: &impl Fn(&E::Key) -> Option<&'v E>,
        unsettled: bool,
    ) where
        E: 'v,
    {
        let mut generation = self.generation(stripe);
        for key in keys {
            if unsettled {
                self.unsettle(key);
            }
            match saved(key) {
                Some(value) if *generation == began && !self.is_unsettled(key) => {
                    self.insert(key.clone(), value);
                    if let Some(hooks) = &self.hooks {
                        hooks.on_save(value);
                    }
                }
                _ => {
                    self.items.remove(key);
                }
            }
        }
        *generation += 1;
    }
}

/// Writes under way, by stripe: the generation each stripe had once the writes began, and
/// their keys; see [`EntityCache::begin_writes`].
pub(crate) struct PendingWrites<'a, E: BotEntity> {
    cache: &'a EntityCache<E>,
    stripes: std::collections::BTreeMap<usize, (u64, Vec<E::Key>)>,
}

impl<E: BotEntity> PendingWrites<'_, E> {
    /// The writes landed: each key gets the value `saved` gives it (`None`: deleted).
    pub(crate) fn finish<'v>(mut self, saved: impl Fn(&E::Key) -> Option<&'v E>)
    where
        E: 'v,
    {
        for (stripe, (began, keys)) in std::mem::take(&mut self.stripes) {
            self.cache.end_writes(stripe, began, &keys, &saved, false);
        }
    }

    /// The writes failed with `error`. When the server refused them, memory just drops the
    /// keys; when their outcome is unknown (a lost connection, a timeout), the keys also stay
    /// out of memory for a while.
    pub(crate) fn fail(mut self, error: &crate::Error) {
        let unknown = error.outcome_unknown();
        self.drop_all(unknown);
    }

    fn drop_all(&mut self, unsettled: bool) {
        let none = |_: &E::Key| -> Option<&E> { None };
        for (stripe, (began, keys)) in std::mem::take(&mut self.stripes) {
            self.cache
                .end_writes(stripe, began, &keys, &none, unsettled);
        }
    }
}

impl<E: BotEntity> Drop for PendingWrites<'_, E> {
    /// Dropped unfinished: the call was cancelled with its writes maybe still running on the
    /// server, so memory holds neither value until they are surely over.
    fn drop(&mut self) {
        self.drop_all(true);
    }
}

/// A cache of some entity type, as the registry keeps it.
pub(crate) trait AnyCache: Send + Sync + std::fmt::Debug {
    fn as_any(&self) -> &dyn Any;
    fn stats(&self, entity: &'static str) -> CacheStats;
    fn clear(&self);
}

impl<E: BotEntity> AnyCache for EntityCache<E> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn stats(&self, entity: &'static str) -> CacheStats {
        CacheStats {
            entity,
            capacity: self.capacity,
            len: self.items.len(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
        }
    }

    fn clear(&self) {
        for stripe in 0..STRIPES {
            *self.generation(stripe) += 1;
        }
        self.items.clear();
    }
}

impl<E: BotEntity> std::fmt::Debug for EntityCache<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntityCache")
            .field("capacity", &self.capacity)
            .field("ttl", &self.ttl)
            .field("len", &self.items.len())
            .finish()
    }
}
