//! A private, throwaway MariaDB (or MySQL) server started from the machine's binaries, for
//! tests, benchmarks and the simulator.
//!
//! Each server gets its own temporary directory (data, socket, pid file, log), its own port on
//! 127.0.0.1, `utf8mb4` and strict SQL mode. Its data directory is a copy of a template that
//! is initialized once per machine and server version, so a start costs well under a second.
//! Everything is removed on drop, and a small reaper process removes it too if this process
//! dies without dropping the server.

mod binaries;
mod error;
mod reaper;
mod server;
mod template;
mod tls;

pub use binaries::{ServerBinaries, ServerKind, SERVER_BIN_ENV};
pub use error::EmbeddedError;
pub use server::EmbeddedServer;
