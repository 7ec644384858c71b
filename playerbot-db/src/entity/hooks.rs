//! What a bot module can attach to an entity's cache.

use super::BotEntity;

/// Callbacks on an entity's L1 cache. Every method does nothing unless overridden; attach an
/// implementation with `#[bot(cache(capacity = N, hooks = MyHooks))]` (constructed with
/// `Default`) or [`DbBuilder::cache_hooks`](crate::DbBuilder::cache_hooks). They run on the
/// calling task, inside the call: keep them short (push to a channel for real work).
pub trait CacheHooks<E: BotEntity>: Send + Sync + 'static {
    /// A load was answered from memory.
    fn on_hit(&self, _key: &E::Key) {}

    /// A load found nothing in memory and goes to the server.
    fn on_miss(&self, _key: &E::Key) {}

    /// A row read from the server was put in memory.
    fn on_fill(&self, _value: &E) {}

    /// A save went through and its value is now the one in memory.
    fn on_save(&self, _value: &E) {}

    /// The cache dropped this value to stay within its capacity (or its time ran out): a bot
    /// module logs the bot out of its own structures here.
    fn on_evict(&self, _value: &E) {}
}
