//! Keys a transaction writes, for the caches of their entities: dropped from memory when
//! written and again when the transaction ends, however it ends (committed, rolled back,
//! failed or dropped), so no value from before or during it outlives it in memory.

use crate::registry::Registry;
use crate::BotEntity;

/// Drops a key; with `true`, also keeps it out of memory while a write of unknown outcome
/// may still land.
type Invalidate = Box<dyn Fn(&Registry, bool) + Send + Sync>;

#[derive(Default)]
pub(crate) struct Invalidations(Vec<Invalidate>);

impl Invalidations {
    /// Drops `key` now and remembers it for [`run`](Self::run); nothing when `E` is not
    /// cached.
    pub(crate) fn note<E: BotEntity>(&mut self, registry: &Registry, key: &E::Key) {
        let Some(cache) = registry.plan::<E>().ok().and_then(|plan| plan.cache::<E>()) else {
            return;
        };
        cache.invalidate(key);
        let key = key.clone();
        self.0
            .push(Box::new(move |registry: &Registry, unsettled: bool| {
                if let Some(cache) = registry.plan::<E>().ok().and_then(|plan| plan.cache::<E>()) {
                    if unsettled {
                        cache.unsettle(&key);
                    }
                    cache.invalidate(&key);
                }
            }));
    }

    /// Drops every noted key; `unsettled` when the writes' outcome is unknown (cancelled,
    /// connection lost), so the keys also stay out of memory for a while.
    pub(crate) fn run(&self, registry: &Registry, unsettled: bool) {
        for invalidate in &self.0 {
            invalidate(registry, unsettled);
        }
    }
}

impl std::fmt::Debug for Invalidations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Invalidations({} keys)", self.0.len())
    }
}

/// Runs the invalidations when dropped: at the end of a commit, also a cancelled one (then
/// with `unsettled`, which stays set unless the commit's outcome became known).
pub(crate) struct InvalidateOnDrop<'a> {
    pub(crate) invalidations: &'a Invalidations,
    pub(crate) registry: &'a Registry,
    pub(crate) unsettled: bool,
}

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        self.invalidations.run(self.registry, self.unsettled);
    }
}
