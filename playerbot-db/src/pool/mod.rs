//! The connection pool: a free list per thread, a shared overflow queue, and a global bound.
//!
//! A checkout first pops the calling thread's own list, which only that thread touches in
//! normal operation, so the hot path shares no lock and no counter with other threads.
//! A return pushes onto the same list (or hands the connection to the oldest waiting
//! checkout). When a thread's list is empty it takes from the shared queue, opens a new
//! connection under the bound, or takes one from another thread's list; only when all of
//! that fails does it wait, in a first-come first-served queue, until its checkout timeout.
//!
//! Every connection knows what it is in the middle of (`state`); one that comes back
//! unfinished goes to the recycler, never straight to a free list.

mod conn;
mod core;
mod guard;
mod local;
mod open;
mod place;
mod reconnect;
mod recycler;
mod runtime;
mod setup;
mod state;
mod statement;
mod stats;
mod target;
pub(crate) mod trace;
mod waiters;

pub(crate) use self::conn::{galera_facts, ServerConn};
pub(crate) use self::core::PoolInner;
pub(crate) use self::place::Place;
pub(crate) use self::setup::{ConnSetup, SetupFuture};
pub(crate) use self::state::Busy;
pub(crate) use self::statement::{statement, within};
pub use guard::PooledConn;
pub use stats::PoolStats;
