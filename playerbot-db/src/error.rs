//! The crate's error type.

use crate::embedded::EmbeddedError;
use crate::RowError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The driver or the server reported an error.
    #[error(transparent)]
    Driver(#[from] mysql_async::Error),
    /// A row did not decode into the entity.
    #[error(transparent)]
    Decode(#[from] RowError),
    /// The embedded server could not be started.
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    /// `SELECT VERSION()` returned something that is neither MariaDB nor MySQL.
    #[error("unrecognised server version {0:?}")]
    UnknownServer(String),
}
