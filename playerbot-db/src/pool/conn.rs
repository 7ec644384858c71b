//! One server connection with what was learnt when it opened and what it is in the middle of.

use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts};

use super::runtime::RuntimeAlive;
use super::setup::ConnSetup;
use super::state::ConnState;
use super::Place;
use crate::error::ConnectError;
use crate::{Dialect, Error, ServerFlavor};

pub(crate) struct ServerConn {
    pub(crate) conn: Conn,
    pub(crate) flavor: ServerFlavor,
    pub(crate) max_allowed_packet: usize,
    /// `innodb_rollback_on_timeout`: a lock wait timeout then ends the whole transaction.
    pub(crate) rollback_on_timeout: bool,
    /// `innodb_autoinc_lock_mode` 0 or 1 and `auto_increment_increment` 1: the ids one
    /// multi-row INSERT generates are consecutive, so they follow from the first
    /// (`LAST_INSERT_ID()`).
    pub(crate) consecutive_ids: bool,
    /// What one transaction may write on a Galera node.
    pub(crate) write_set: WriteSetBounds,
    /// The server is a Galera node (`wsrep_on`): named locks hold on it alone, so the
    /// maintenance locks take a lease instead.
    pub(crate) galera_node: bool,
    pub(crate) statement_timeout: Option<Duration>,
    pub(crate) last_used: Instant,
    pub(crate) state: ConnState,
    /// The link failed: close the connection instead of reusing it.
    pub(crate) broken: bool,
    /// The pool's loss count when this connection was last known to work (see
    /// `PoolInner::make_ready`).
    pub(super) epoch: u64,
    /// The pool's target generation it was opened for (see the target module).
    pub(super) target: u64,
    /// The runtime its socket belongs to.
    pub(super) runtime: RuntimeAlive,
    /// Its place under the bound; given back when the connection is dropped.
    place: Place,
}

/// By hand: the driver's `Conn` prints its options, password included.
impl std::fmt::Debug for ServerConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConn")
            .field("id", &self.conn.id())
            .field("flavor", &self.flavor)
            .field("state", &self.state)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

/// What the pool needs besides the driver's options to open a connection.
pub(super) struct OpenSettings<'a> {
    pub(super) opts: &'a Opts,
    pub(super) setup: &'a dyn ConnSetup,
    pub(super) statement_timeout: Option<Duration>,
    pub(super) epoch: u64,
    pub(super) target: u64,
}

/// What one transaction may write on a Galera node (each 0 when there is no bound, and on
/// any server that is not a Galera node).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WriteSetBounds {
    /// `wsrep_max_ws_rows`: rows one transaction may write.
    pub(crate) rows: usize,
    /// `wsrep_max_ws_size`: bytes its write set (row images and keys) may hold.
    pub(crate) bytes: usize,
}

/// Whether the server is a Galera node, and then what its write sets may hold. A MariaDB
/// built without wsrep has no such variables: not a node.
pub(crate) async fn galera_facts(
    conn: &mut Conn,
) -> Result<Option<WriteSetBounds>, mysql_async::Error> {
    match conn
        .query_first::<(i64, u64, u64), _>(playerbot_db_sql::galera::WRITE_SET_BOUNDS)
        .await
    {
        Ok(Some((on, rows, bytes))) if on != 0 => Ok(Some(WriteSetBounds {
            rows: usize::try_from(rows).unwrap_or(usize::MAX),
            bytes: usize::try_from(bytes).unwrap_or(usize::MAX),
        })),
        Ok(_) | Err(mysql_async::Error::Server(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

impl ServerConn {
    /// Connects, detects the server, and prepares every registered statement, so that no
    /// request pays a prepare round trip.
    pub(super) async fn open(
        settings: OpenSettings<'_>,
        place: Place,
    ) -> Result<ServerConn, Error> {
        let connect_error = |err: mysql_async::Error| Error::from(ConnectError::from_driver(&err));
        let mut conn = Conn::new(settings.opts.clone())
            .await
            .map_err(connect_error)?;
        let (version, max_allowed_packet, rollback_on_timeout, autoinc_lock_mode, increment): (
            String,
            u64,
            i64,
            i64,
            u64,
        ) = conn
            .query_first(playerbot_db_sql::session::SERVER_FACTS)
            .await
            .map_err(connect_error)?
            .ok_or_else(|| Error::UnknownServer(String::new()))?;
        let flavor = ServerFlavor::parse(&version).ok_or(Error::UnknownServer(version))?;
        let galera = if flavor.is_mariadb() {
            galera_facts(&mut conn).await.map_err(connect_error)?
        } else {
            None
        };
        settings
            .setup
            .prepare(&mut conn, flavor.dialect())
            .await
            .map_err(connect_error)?;
        Ok(ServerConn {
            conn,
            flavor,
            max_allowed_packet: usize::try_from(max_allowed_packet).unwrap_or(usize::MAX),
            rollback_on_timeout: rollback_on_timeout != 0,
            // Galera's `wsrep_auto_increment_control` spaces ids by the cluster size (and
            // Galera needs lock mode 2 anyway): then they do not follow from the first.
            consecutive_ids: autoinc_lock_mode <= 1 && increment == 1,
            write_set: galera.unwrap_or_default(),
            galera_node: galera.is_some(),
            statement_timeout: settings.statement_timeout,
            last_used: Instant::now(),
            state: ConnState::default(),
            broken: false,
            epoch: settings.epoch,
            target: settings.target,
            runtime: RuntimeAlive::current(),
            place,
        })
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.flavor.dialect()
    }

    /// Whether the link is known to be unusable: we marked it, or the driver gave up on it
    /// (an I/O error, or a command cancelled half way, which leaves the wire out of step).
    pub(super) fn is_unusable(&self) -> bool {
        self.broken || self.conn.is_disconnected() || !self.runtime.is_alive()
    }

    /// Takes the connection apart: the driver connection to close, and the place to give back
    /// once the server has let go of it.
    pub(super) fn into_parts(self) -> (Conn, Place) {
        (self.conn, self.place)
    }
}
