//! A private, throwaway MariaDB (or MySQL) server started from the machine's binaries, for
//! playerbot-db's tests, examples, benchmarks and simulator. Unix only; the runtime crate
//! never depends on it.
//!
//! Each server gets its own private temporary directory (data, socket, pid file, log), its
//! own port on 127.0.0.1, a random root password, `utf8mb4` and strict SQL mode. Its data
//! directory is a copy of a template that is initialized once per machine and server
//! version, so a start costs well under a second. Everything is removed on drop, and a small
//! reaper process removes it too if this process dies without dropping the server.
//!
//! A server started with a binary log can have replicas: [`EmbeddedServer::start_replica`]
//! starts a second server that follows the first through GTID replication.
//!
//! [`EmbeddedGalera`] starts a Galera cluster of such servers on loopback.

mod binaries;
mod connect;
mod error;
mod galera;
mod owner;
mod private;
mod process;
mod reaper;
mod replica;
mod server;
mod template;
mod tls;

pub use binaries::{ServerBinaries, ServerKind, SERVER_BIN_ENV};
pub use connect::connect_opts;
pub use error::EmbeddedError;
pub use galera::{EmbeddedGalera, NodeState, PROVIDER_ENV as GALERA_PROVIDER_ENV};
pub use server::{EmbeddedServer, ServerBuilder};
