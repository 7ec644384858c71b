//! A checked-out connection; it goes back to the pool when dropped.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::state::Busy;
use super::{PoolInner, ServerConn};
use crate::{Dialect, ServerFlavor};

/// A connection from the pool, usable as a `mysql_async::Conn` for custom SQL. Every
/// registered entity's statements are already prepared on it.
///
/// It owns its share of the pool, so it can move into a spawned task. Whatever you do with
/// it is undone before anyone else gets the connection: one you used for your own SQL is
/// reset (`COM_RESET_CONNECTION`: transaction rolled back, session variables, temporary
/// tables and named locks gone, the default database and session setup restored, statements
/// prepared again) in the background when dropped; one dropped in the middle of a statement
/// is closed.
#[derive(Debug)]
pub struct PooledConn {
    conn: Option<ServerConn>,
    pool: Arc<PoolInner>,
}

impl PooledConn {
    pub(crate) fn new(pool: Arc<PoolInner>, conn: ServerConn) -> PooledConn {
        PooledConn {
            conn: Some(conn),
            pool,
        }
    }

    /// The connection for the crate's own routines, which keep its state up to date.
    pub(crate) fn server(&mut self) -> &mut ServerConn {
        self.conn.as_mut().expect("present until drop")
    }

    /// The connection for one of the crate's routines of several statements (maintenance,
    /// schema checks, migrations): marked busy until [`routine_done`](Self::routine_done),
    /// so one dropped half way is cleaned or closed, never lent as it is.
    pub(crate) fn routine(&mut self) -> &mut ServerConn {
        let server = self.server();
        server.state.enter(Busy::Statement);
        server
    }

    pub(crate) fn routine_done(&mut self) {
        self.server().state.leave(Busy::Statement);
    }

    /// The server's product and version.
    pub fn flavor(&self) -> ServerFlavor {
        self.conn.as_ref().expect("present until drop").flavor
    }

    /// The SQL dialect the server speaks.
    pub fn dialect(&self) -> Dialect {
        self.flavor().dialect()
    }

    /// The server's `max_allowed_packet`, read when the connection opened.
    pub fn max_allowed_packet(&self) -> usize {
        self.conn
            .as_ref()
            .expect("present until drop")
            .max_allowed_packet
    }

    /// Closes the connection instead of returning it (after a connection-level failure).
    pub fn discard(&mut self) {
        self.server().broken = true;
    }
}

impl Deref for PooledConn {
    type Target = mysql_async::Conn;

    fn deref(&self) -> &mysql_async::Conn {
        &self.conn.as_ref().expect("present until drop").conn
    }
}

impl DerefMut for PooledConn {
    /// Raw access may change the session in ways the pool cannot see, so the connection is
    /// reset when it comes back; and a statement may be under way whenever the guard is
    /// dropped, so one dropped with a reply unread is closed.
    fn deref_mut(&mut self) -> &mut mysql_async::Conn {
        // Raw SQL may also alter tables: their engines and charsets are read again.
        self.pool.setup.raw_access();
        let server = self.server();
        server.state.enter(Busy::Session);
        server.state.enter(Busy::Statement);
        &mut server.conn
    }
}

impl Drop for PooledConn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.check_in(conn);
        }
    }
}
