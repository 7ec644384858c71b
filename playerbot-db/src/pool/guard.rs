//! A checked-out connection; it goes back to the pool when dropped.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{PoolInner, ServerConn};
use crate::{Dialect, ServerFlavor};

/// A connection from the pool, usable as a `mysql_async::Conn` for custom SQL. Every
/// registered entity's statements are already prepared on it.
#[derive(Debug)]
pub struct PooledConn<'a> {
    conn: Option<ServerConn>,
    pool: &'a Arc<PoolInner>,
}

impl<'a> PooledConn<'a> {
    pub(super) fn new(pool: &'a Arc<PoolInner>, conn: ServerConn) -> PooledConn<'a> {
        PooledConn {
            conn: Some(conn),
            pool,
        }
    }

    pub(crate) fn server(&mut self) -> &mut ServerConn {
        self.conn.as_mut().expect("present until drop")
    }

    pub fn flavor(&self) -> ServerFlavor {
        self.conn.as_ref().expect("present until drop").flavor
    }

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

impl Deref for PooledConn<'_> {
    type Target = mysql_async::Conn;

    fn deref(&self) -> &mysql_async::Conn {
        &self.conn.as_ref().expect("present until drop").conn
    }
}

impl DerefMut for PooledConn<'_> {
    fn deref_mut(&mut self) -> &mut mysql_async::Conn {
        &mut self.server().conn
    }
}

impl Drop for PooledConn<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.check_in(conn);
        }
    }
}
