//! A place under the pool's bound, held by a connection or by an open in progress.

use std::sync::Weak;

use super::PoolInner;

/// One counted place under `max_connections`. Whoever holds it may have one connection open;
/// dropping it, however that happens (a closed connection, a failed or cancelled open), gives
/// the place to the oldest waiting checkout or else back to the pool.
#[derive(Debug)]
pub(crate) struct Place {
    pool: Weak<PoolInner>,
}

impl Place {
    /// A place already counted in the pool's `open`.
    pub(super) fn counted(pool: Weak<PoolInner>) -> Place {
        Place { pool }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.release_place();
        }
    }
}
