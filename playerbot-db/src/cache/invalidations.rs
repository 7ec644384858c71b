//! Keys a transaction writes, for the caches of their entities: dropped from memory when
//! written and again when the transaction ends, however it ends (committed, rolled back,
//! failed or dropped), so no value from before or during it outlives it in memory.

use crate::registry::Registry;
use crate::BotEntity;

type Invalidate = Box<dyn Fn(&Registry) + Send + Sync>;

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
        self.0.push(Box::new(move |registry: &Registry| {
            if let Some(cache) = registry.plan::<E>().ok().and_then(|plan| plan.cache::<E>()) {
                cache.invalidate(&key);
            }
        }));
    }

    /// Drops every noted key.
    pub(crate) fn run(&self, registry: &Registry) {
        for invalidate in &self.0 {
            invalidate(registry);
        }
    }
}

impl std::fmt::Debug for Invalidations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Invalidations({} keys)", self.0.len())
    }
}

/// Runs the invalidations when dropped: at the end of a commit, also a cancelled one.
pub(crate) struct InvalidateOnDrop<'a> {
    pub(crate) invalidations: &'a Invalidations,
    pub(crate) registry: &'a Registry,
}

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        self.invalidations.run(self.registry);
    }
}
