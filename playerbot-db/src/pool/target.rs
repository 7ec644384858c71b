//! Where the pool's new connections go, and switching it: a Galera shard's writer moves to
//! another node by retargeting its one pool, so its cache, queue and statements stay.
//!
//! Each connection remembers the target generation it was opened for; one of an older
//! generation is closed when it is next checked out or comes back, never lent again.

use std::sync::atomic::Ordering;

use mysql_async::Opts;

use super::PoolInner;
use crate::config::DbUrl;
use crate::Error;

impl PoolInner {
    /// The driver options new connections open with, and their generation.
    pub(super) fn target(&self) -> (Opts, u64) {
        let target = self.target.lock().expect("target lock");
        (target.clone(), self.generation.load(Ordering::Acquire))
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Sends new connections to `url` (same settings otherwise), and retires every
    /// connection to the old target: idle ones are closed now, lent ones when they come
    /// back. The reconnect backoff starts afresh: it was about the old server.
    pub(crate) fn retarget(&self, url: &DbUrl) -> Result<(), Error> {
        let config = crate::config::DbConfig {
            url: url.clone(),
            ..self.config.clone()
        };
        let opts = config.driver_opts(self.setup.statement_count())?;
        {
            let mut target = self.target.lock().expect("target lock");
            *target = opts;
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        // Every idle connection now takes the slow path at checkout, which closes it.
        self.note_loss();
        self.reconnect.lock().expect("reconnect lock").succeeded();
        drop(self.drain_idle());
        Ok(())
    }
}
