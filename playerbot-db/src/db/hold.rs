//! [`HoldGuard`]: a move's hold on a range of bot ids, let go of however the move ends.
//!
//! Dropped, it lets go here at once (a lock and a wake-up) and hands the shared hold to the
//! handle's own task ([`release_dropped`]), which lets go of it on the first shard: no server
//! work starts from `Drop`.

use std::sync::Weak;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::gate::Holder;
use super::{Db, DbInner};

/// Lets the writes held by a move go when dropped (also when the move fails or is dropped):
/// its own hold here, and, unless a switch already did, in the shared map.
pub(super) struct HoldGuard {
    db: Db,
    /// The move's token, by which it holds here and in the shared map.
    token: u64,
    /// Whether the shared hold is still this move's to let go of.
    shared: bool,
    /// Whether it holds here.
    local: bool,
}

impl HoldGuard {
    pub(super) fn new(db: Db, token: u64) -> HoldGuard {
        let shared = db.inner.member.is_some();
        HoldGuard {
            db,
            token,
            shared,
            local: false,
        }
    }

    /// The hold is taken here too.
    pub(super) fn holds_here(&mut self) {
        self.local = true;
    }

    /// The switch let go of the shared hold with the routes: nothing left to let go of there.
    pub(super) fn switched(&mut self) {
        self.shared = false;
    }

    /// Lets go now, waiting for the shared map to say so (a dropped guard hands that to the
    /// handle's task).
    pub(super) async fn release(mut self) {
        if std::mem::take(&mut self.shared) {
            self.db.disown(self.token);
            if let Err(err) = self.db.release_shared(self.token).await {
                tracing::warn!("letting go of a shared hold failed: {err}");
            }
        }
    }
}

impl Drop for HoldGuard {
    fn drop(&mut self) {
        if self.local {
            self.db.release_hold(Holder::Move(self.token));
        }
        if std::mem::take(&mut self.shared) {
            self.db.disown(self.token);
            if let Some(releases) = &self.db.inner.dropped_holds {
                // The task is gone only with the handle (or its runtime): the hold then
                // stays until a rerun or a rollback of the move settles it.
                let _ = releases.send(self.token);
            }
        }
    }
}

/// A channel for the shared holds of dropped moves, and the task that lets go of them; the
/// task ends with the handle.
pub(super) fn releaser() -> (UnboundedSender<u64>, UnboundedReceiver<u64>) {
    tokio::sync::mpsc::unbounded_channel()
}

/// Lets go of each shared hold a dropped move hands over, holding the handle only meanwhile.
pub(super) async fn release_dropped(inner: Weak<DbInner>, mut tokens: UnboundedReceiver<u64>) {
    while let Some(token) = tokens.recv().await {
        let Some(inner) = inner.upgrade() else { return };
        let db = Db { inner };
        if let Err(err) = db.release_shared(token).await {
            tracing::warn!("letting go of a shared hold failed: {err}");
        }
    }
}
