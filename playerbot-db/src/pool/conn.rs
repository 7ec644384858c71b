//! One server connection with what was learnt when it opened.

use std::sync::Weak;
use std::time::Instant;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts};

use super::PoolInner;
use crate::registry::Registry;
use crate::{Dialect, Error, ServerFlavor};

/// ER_NO_SUCH_TABLE.
const NO_SUCH_TABLE: u16 = 1146;
/// ER_BAD_FIELD_ERROR: a column the statement names is not in the table.
const BAD_FIELD: u16 = 1054;

#[derive(Debug)]
pub(crate) struct ServerConn {
    pub(crate) conn: Conn,
    pub(crate) flavor: ServerFlavor,
    pub(crate) max_allowed_packet: usize,
    pub(crate) last_used: Instant,
    /// A transaction was abandoned on this connection: roll back before reuse.
    pub(crate) needs_rollback: bool,
    /// The connection failed in a way that makes it unusable: close it instead of reusing.
    pub(crate) broken: bool,
    /// Gives the connection's place under the bound back when it closes.
    pool: Weak<PoolInner>,
}

impl ServerConn {
    /// Connects, detects the server, and prepares every registered statement, so that no
    /// request pays a prepare round trip.
    pub(crate) async fn open(
        opts: &Opts,
        registry: &Registry,
        pool: Weak<PoolInner>,
    ) -> Result<ServerConn, Error> {
        let mut conn = Conn::new(opts.clone())
            .await
            .map_err(|err| Error::Connect {
                message: err.to_string(),
            })?;
        let (version, max_allowed_packet): (String, u64) = conn
            .query_first("SELECT VERSION(), @@max_allowed_packet")
            .await?
            .ok_or_else(|| Error::UnknownServer(String::new()))?;
        let flavor = ServerFlavor::parse(&version).ok_or(Error::UnknownServer(version))?;
        for sql in registry.statements(flavor.dialect()) {
            match conn.prep(sql).await {
                Ok(_) => {}
                // The table is not created yet (migrations or `create_tables` come later):
                // the driver prepares this statement on its first use instead.
                Err(mysql_async::Error::Server(err)) if err.code == NO_SUCH_TABLE => {}
                // The table differs from the entity: the connection is still good for
                // everything else (schema checks and migrations among them); using this
                // statement fails with the server's error.
                Err(mysql_async::Error::Server(err)) if err.code == BAD_FIELD => {
                    tracing::warn!(error = %err.message, "a registered statement does not fit its table");
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(ServerConn {
            conn,
            flavor,
            max_allowed_packet: usize::try_from(max_allowed_packet).unwrap_or(usize::MAX),
            last_used: Instant::now(),
            needs_rollback: false,
            broken: false,
            pool,
        })
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.flavor.dialect()
    }
}

impl Drop for ServerConn {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.connection_closed();
        }
    }
}
