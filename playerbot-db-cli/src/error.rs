//! What a command can fail with: one readable line each, printed by `main`.

use std::path::PathBuf;

use playerbot_db_embedded::EmbeddedError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Db(#[from] playerbot_db::Error),

    #[error("the embedded server: {0}")]
    Embedded(#[from] EmbeddedError),

    #[error("{0}")]
    Driver(#[from] playerbot_db::mysql_async::Error),

    /// An argument clap cannot check on its own.
    #[error("{0}")]
    Usage(String),

    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    /// The command ran and found something wrong (a failed verification, a flagged plan).
    #[error("{0}")]
    Failed(String),

    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: std::net::SocketAddr,
        source: std::io::Error,
    },

    #[error("a benchmark task failed: {0}")]
    Task(#[from] tokio::task::JoinError),

    #[error("{0}")]
    Runtime(std::io::Error),
}
