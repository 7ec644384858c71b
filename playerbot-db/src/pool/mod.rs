//! The connection pool: a free list per thread, a shared overflow queue, and a global bound.
//!
//! A checkout first pops the calling thread's own list, which only that thread touches in
//! normal operation, so the hot path shares no lock and no counter with other threads.
//! A return pushes onto the same list (or onto the shared queue when it is full or someone
//! is waiting). When a thread's list is empty it takes from the shared queue, opens a new
//! connection under the bound, or takes one from another thread's list; only when all of
//! that fails does it wait, with a timeout.

mod conn;
mod core;
mod guard;
mod local;
mod reconnect;
mod stats;

pub(crate) use self::conn::ServerConn;
pub(crate) use self::core::PoolInner;
pub use guard::PooledConn;
pub use stats::PoolStats;
