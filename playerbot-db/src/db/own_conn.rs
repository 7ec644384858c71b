//! Connections for the cluster's own bookkeeping: the shared map, move journals and copies,
//! replica checks. Their statements change no session state, so the connection goes back to
//! the pool as it is — no `COM_RESET_CONNECTION`, no statements prepared again, the live
//! schema not taken as changed (a raw [`Server::conn`] does all three, and the follower asks the
//! first shard ten times a second) — while one dropped half way is still cleaned before
//! anyone else gets it.

use std::ops::{Deref, DerefMut};

use mysql_async::{Transaction, TxOpts};

use crate::pool::{Busy, PooledConn};
use crate::server::Server;
use crate::{Dialect, Error};

/// A pooled connection marked busy until [`done`](Self::done): dropped before (or after an
/// error), the pool drains it, and rolls back a transaction [`begin`](Self::begin) left
/// open, before lending it again.
#[derive(Debug)]
pub(super) struct OwnConn {
    conn: PooledConn,
}

impl OwnConn {
    pub(super) async fn on(db: &Server) -> Result<OwnConn, Error> {
        let mut conn = db.lease().await?;
        conn.routine();
        Ok(OwnConn { conn })
    }

    /// Starts a transaction; [`committed`](Self::committed) once it is.
    pub(super) async fn begin(&mut self) -> Result<Transaction<'_>, Error> {
        let server = self.conn.server();
        server.state.enter(Busy::Transaction);
        Ok(server.conn.start_transaction(TxOpts::default()).await?)
    }

    pub(super) fn committed(&mut self) {
        self.conn.server().state.leave(Busy::Transaction);
    }

    /// Every reply was read: the connection goes back as it is.
    pub(super) fn done(mut self) {
        self.conn.routine_done();
    }

    pub(super) fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }
}

impl Deref for OwnConn {
    type Target = mysql_async::Conn;

    fn deref(&self) -> &mysql_async::Conn {
        &self.conn
    }
}

impl DerefMut for OwnConn {
    fn deref_mut(&mut self) -> &mut mysql_async::Conn {
        &mut self.conn.server().conn
    }
}
