//! Each thread's own free list of connections, one per pool.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::{PoolInner, ServerConn};

/// A thread's idle connections for one pool. Only the owning thread pushes and pops, so its
/// lock is uncontended; other threads lock it only to take connections when their own
/// lists, the shared queue and the bound leave them nothing else.
#[derive(Debug)]
pub(super) struct LocalShard {
    pub(super) idle: Mutex<Vec<ServerConn>>,
    /// Checkouts served on this thread, kept here so the hot path bumps no shared counter.
    pub(super) checkouts: AtomicU64,
    pool: Weak<PoolInner>,
}

impl Drop for LocalShard {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.retire_shard_checkouts(self.checkouts.load(Ordering::Relaxed));
        }
    }
}

thread_local! {
    /// (pool id, shard) for every pool this thread has used; usually one entry.
    static SHARDS: RefCell<Vec<(u64, Arc<LocalShard>)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's shard for `pool`, creating and registering it on first use.
/// Returns `None` while the thread is being torn down.
pub(super) fn with_shard<R>(pool: &Arc<PoolInner>, f: impl FnOnce(&LocalShard) -> R) -> Option<R> {
    SHARDS
        .try_with(|shards| {
            let mut shards = shards.borrow_mut();
            let id = pool.id();
            if let Some((_, shard)) = shards.iter().find(|(shard_pool, _)| *shard_pool == id) {
                return f(shard);
            }
            // Forget shards of pools that are gone, then make this thread's one.
            shards.retain(|(_, shard)| shard.pool.strong_count() > 0);
            let shard = Arc::new(LocalShard {
                idle: Mutex::new(Vec::new()),
                checkouts: AtomicU64::new(0),
                pool: Arc::downgrade(pool),
            });
            pool.register_shard(Arc::downgrade(&shard));
            let result = f(&shard);
            shards.push((id, shard));
            result
        })
        .ok()
}
