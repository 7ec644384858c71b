use std::path::PathBuf;
use std::time::Duration;

/// Why an embedded server could not be started. Every variant says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbeddedError {
    #[error(
        "no MariaDB or MySQL server binary found (looked for mariadbd and mysqld in {searched}); \
         install one with `apt-get install -y mariadb-server`, set PLAYERBOT_DB_SERVER_BIN to the \
         server binary, or set PLAYERBOT_DB_URL to a running server"
    )]
    NoServerBinary { searched: String },

    #[error(
        "found {server} but not the tool that initializes a data directory ({tool}); \
         install the full server package with `apt-get install -y mariadb-server`"
    )]
    NoInstallTool { server: PathBuf, tool: &'static str },

    #[error("a server that requires TLS needs the `openssl` command for its certificates; install it with `apt-get install -y openssl`")]
    NoOpenssl,

    #[error("preparing the server with {command} failed ({status}):\n{output}")]
    InitFailed {
        command: String,
        status: String,
        output: String,
    },

    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the embedded server exited during startup ({status}); the end of its log:\n{log_tail}"
    )]
    ExitedEarly { status: String, log_tail: String },

    #[error("the embedded server did not accept connections within {waited:?}; the end of its log:\n{log_tail}")]
    NotReady { waited: Duration, log_tail: String },

    #[error(
        "{} belongs to another user; embedded servers keep their files in a directory only \
         their owner can open: remove it, or set TMPDIR to a directory of your own",
        path.display()
    )]
    NotPrivate { path: PathBuf },

    #[error("{action} on the embedded server at 127.0.0.1:{port} failed: {source}")]
    Sql {
        action: &'static str,
        port: u16,
        #[source]
        source: mysql_async::Error,
    },

    #[error(
        "a replica needs a primary with a binary log: start the primary with \
         `EmbeddedServer::builder().binary_log(true)`"
    )]
    NoBinaryLog,

    #[error("the replica did not start replicating within {waited:?}: {status}")]
    ReplicationNotRunning { waited: Duration, status: String },

    #[error(
        "an embedded Galera node started by root runs as the `{user}` account (rsync state \
         transfers cannot write a root-owned node), and this machine has none: install \
         `mariadb-server`, which makes it, or run as an unprivileged user"
    )]
    NoServiceUser { user: &'static str },

    #[error(
        "no Galera provider library found (looked in {searched}); install it with \
         `apt-get install -y galera-4 rsync`, or set PLAYERBOT_DB_GALERA_PROVIDER to the library"
    )]
    NoGaleraProvider { searched: String },

    #[error("Galera's state transfers need the `rsync` command; install it with `apt-get install -y rsync`")]
    NoRsync,

    #[error(
        "making the Galera template failed: {problem}; the end of the node's log:\n{log_tail}"
    )]
    GaleraTemplate { problem: String, log_tail: String },

    #[error("Galera node {node} was not Synced within {waited:?} (last state: {state}); the end of its log:\n{log_tail}")]
    NotSynced {
        node: usize,
        waited: Duration,
        state: String,
        log_tail: String,
    },

    #[error("the embedded server did not stop within {waited:?}; the end of its log:\n{log_tail}")]
    NotStopped { waited: Duration, log_tail: String },

    #[error("the embedded server's start was lost: {0}")]
    Lost(String),
}

impl EmbeddedError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> EmbeddedError {
        let path = path.into();
        move |source| EmbeddedError::Io {
            action,
            path,
            source,
        }
    }
}
