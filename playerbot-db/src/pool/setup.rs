//! What the pool does with every connection it opens or resets. The layer above hands it
//! over when it makes the pool (the registry prepares each entity's statements), so the
//! pool knows nothing of entities or statements.

use std::future::Future;
use std::pin::Pin;

use mysql_async::Conn;

use crate::Dialect;

/// What a connection setup returns: an error only when the connection itself failed.
pub(crate) type SetupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<(), mysql_async::Error>> + Send + 'a>>;

/// Readies connections for the calls that will use them.
pub(crate) trait ConnSetup: Send + Sync + 'static {
    /// Statements prepared on each connection: sizes the driver's statement cache.
    fn statement_count(&self) -> usize;

    /// Runs on every new connection, and again after a reset dropped its statements.
    fn prepare<'a>(&'a self, conn: &'a mut Conn, dialect: Dialect) -> SetupFuture<'a>;

    /// A connection was lent for raw SQL, which may alter tables the setup read.
    fn raw_access(&self);
}
