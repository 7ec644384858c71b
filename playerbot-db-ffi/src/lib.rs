//! A C ABI over playerbot-db for game servers written in C or C++ (TrinityCore,
//! AzerothCore and their bot modules), with the header `include/playerbot_db.h` generated
//! from this crate by cbindgen.
//!
//! # The rules every function keeps
//!
//! - **Status codes.** Every function returns a `PbdbStatus` (`PBDB_OK`, or why not, mapped
//!   from the Rust [`ErrorKind`](playerbot_db::ErrorKind)); `pbdb_last_error()` gives this
//!   thread's last message, with entity, key and column where the Rust error has them, never
//!   a password. No panic crosses the boundary: one is caught and returned as
//!   `PBDB_INTERNAL`.
//! - **Pointers.** A NULL pointer, an array length no array can have, text that is not
//!   UTF-8, an enum number no variant has, a misaligned pointer: each is `PBDB_INVALID_ARGUMENT`,
//!   checked before any work starts. What cannot be checked is the caller's to keep: a
//!   non-NULL pointer points at what its type says, for the length given.
//! - **Input** (`PbdbStr`, `PbdbBytes`, structs and arrays) is the caller's and is read
//!   during the call only; asynchronous calls copy it before they return.
//! - **Output** is library-owned: reads return a `PbdbResult`, whose accessors
//!   (`pbdb_<entity>_get`, `pbdb_result_text`) fill structs that point into it; it lives
//!   until `pbdb_result_free`. A `pbdb_<entity>_load_into` refills a result the caller
//!   keeps (`pbdb_result_new`) instead of returning a new one, so a cached load allocates
//!   nothing; what the result held before is gone. Nothing else needs freeing but the
//!   handle.
//! - **The handle** (`PbdbDb`) is usable from any number of threads at once. `pbdb_close`
//!   drains the write-behind queue (bounded by its timeout) and releases everything but the
//!   handle's own allocation, so a later call returns `PBDB_CLOSED`; `pbdb_free` releases
//!   that (closing first if needed) and is the handle's last call.
//!
//! # What blocks, and for how long
//!
//! The library runs every call on a tokio runtime of its own (`worker_threads`).
//! `save_deferred`/`delete_deferred`, a load the cache answers, `pbdb_stats`,
//! `pbdb_metrics`, the `_async` submissions and `pbdb_poll` return without waiting on the
//! server (a deferred write waits only when the queue is full and the handle was opened
//! with `PBDB_WHEN_FULL_WAIT`, at most `write_behind_wait_ms`). Every other call blocks the
//! calling thread until the server answers: at most about `checkout_timeout_ms` plus
//! `statement_timeout_ms` per attempt, for `max_retries + 1` attempts. `pbdb_flush` and
//! `pbdb_close` are bounded by the timeout they are given; `pbdb_open` by
//! `connect_timeout_ms`; `pbdb_migrate` waits up to 60 s for another process's run. A world
//! thread that must never wait uses the deferred writes and the `_async` calls, and polls
//! once per tick.

mod admin;
mod ai_value;
mod bot_event;
mod bot_state;
mod bot_strategy;
mod completion;
mod entity;
mod equipment;
mod error;
mod handle;
mod options;
mod result;
mod runtime;
mod stats;
mod status;
mod strings;

pub use admin::{pbdb_check_schema, pbdb_flush, pbdb_metrics, pbdb_migrate};
pub use ai_value::*;
pub use bot_event::*;
pub use bot_state::*;
pub use bot_strategy::*;
pub use completion::{pbdb_poll, PbdbCompletion, PBDB_MESSAGE_CAPACITY};
pub use equipment::*;
pub use error::pbdb_last_error;
pub use handle::{pbdb_close, pbdb_free, pbdb_open, PbdbDb};
pub use options::{pbdb_options_init, PbdbOptions, PBDB_WHEN_FULL_REJECT, PBDB_WHEN_FULL_WAIT};
pub use result::{
    pbdb_result_free, pbdb_result_len, pbdb_result_new, pbdb_result_text, PbdbResult,
};
pub use stats::{pbdb_stats, PbdbStats};
pub use status::*;
pub use strings::{PbdbBytes, PbdbStr};
