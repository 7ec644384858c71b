//! `PbdbOptions`: how `pbdb_open` sets up the handle — its runtime, pool, timeouts,
//! write-behind queue, caches and completion queue — and its mapping onto the builder.

use std::time::Duration;

use playerbot_db::{DbBuilder, WhenFull, WriteBehindConfig};

use crate::error::{Failure, Outcome};
use crate::strings;

/// A full write-behind queue makes `save_deferred` wait up to `write_behind_wait_ms`.
pub const PBDB_WHEN_FULL_WAIT: u32 = 0;
/// A full write-behind queue makes `save_deferred` fail at once with `PBDB_QUEUE_FULL`.
pub const PBDB_WHEN_FULL_REJECT: u32 = 1;

/// Settings for `pbdb_open`. Fill one with `pbdb_options_init` (the defaults), then change
/// what you need; `size` must stay as `pbdb_options_init` set it (`sizeof(PbdbOptions)`), so
/// a program built against another version of the header is refused rather than misread.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbOptions {
    /// `sizeof(PbdbOptions)`.
    pub size: usize,
    /// Threads of the library's own runtime, which runs every call (default 2).
    pub worker_threads: u32,
    /// Connections open at once (default 64).
    pub max_connections: u32,
    /// How long a call waits for a free connection, in ms (default 5,000).
    pub checkout_timeout_ms: u32,
    /// How long opening one connection may take, in ms (default 3,000).
    pub connect_timeout_ms: u32,
    /// How long one statement may run, in ms; 0: no limit (default 10,000).
    pub statement_timeout_ms: u32,
    /// Retries after deadlocks, lock waits and lost connections (default 3).
    pub max_retries: u32,
    /// The longest a deferred write waits before a flush starts, in ms (default 1,000).
    pub write_behind_interval_ms: u32,
    /// Pending rows of one table that start a flush at once (default 10,000).
    pub write_behind_threshold: u32,
    /// The most dirty keys one table's queue holds (default 1,000,000).
    pub write_behind_max_dirty: u32,
    /// `PBDB_WHEN_FULL_WAIT` (default) or `PBDB_WHEN_FULL_REJECT`.
    pub write_behind_when_full: u32,
    /// With `PBDB_WHEN_FULL_WAIT`: how long a deferred write waits for room, in ms
    /// (default 5,000).
    pub write_behind_wait_ms: u32,
    /// 1: the tables' L1 caches as the schema declares them (default); 0: no caches.
    pub cache_enabled: u8,
    /// Asynchronous calls submitted and not yet polled, at most (default 65,536); a
    /// submission past it returns `PBDB_QUEUE_FULL`.
    pub completion_capacity: u32,
    /// Shut-down bound of `pbdb_free` on a handle never closed, in ms (default 10,000).
    pub close_timeout_ms: u32,
}

impl Default for PbdbOptions {
    fn default() -> Self {
        let write_behind = WriteBehindConfig::default();
        PbdbOptions {
            size: std::mem::size_of::<PbdbOptions>(),
            worker_threads: 2,
            max_connections: 64,
            checkout_timeout_ms: 5_000,
            connect_timeout_ms: 3_000,
            statement_timeout_ms: 10_000,
            max_retries: 3,
            write_behind_interval_ms: millis(write_behind.interval),
            write_behind_threshold: write_behind.threshold as u32,
            write_behind_max_dirty: write_behind.max_dirty as u32,
            write_behind_when_full: PBDB_WHEN_FULL_WAIT,
            write_behind_wait_ms: 5_000,
            cache_enabled: 1,
            completion_capacity: 65_536,
            close_timeout_ms: 10_000,
        }
    }
}

fn millis(duration: Duration) -> u32 {
    duration.as_millis().try_into().unwrap_or(u32::MAX)
}

fn ms(value: u32) -> Duration {
    Duration::from_millis(value.into())
}

impl PbdbOptions {
    /// Refuses settings no handle can run with, naming the field.
    pub(crate) fn validate(&self) -> Outcome {
        if self.size != std::mem::size_of::<PbdbOptions>() {
            return Err(Failure::argument(format!(
                "PbdbOptions.size is {}, this library's is {}: fill it with pbdb_options_init \
                 from the header this library came with",
                self.size,
                std::mem::size_of::<PbdbOptions>()
            )));
        }
        let positive = [
            ("worker_threads", self.worker_threads),
            ("max_connections", self.max_connections),
            ("write_behind_threshold", self.write_behind_threshold),
            ("write_behind_max_dirty", self.write_behind_max_dirty),
            ("completion_capacity", self.completion_capacity),
        ];
        if let Some((field, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(Failure::argument(format!(
                "PbdbOptions.{field} must be at least 1"
            )));
        }
        if self.write_behind_when_full > PBDB_WHEN_FULL_REJECT {
            return Err(Failure::argument(format!(
                "PbdbOptions.write_behind_when_full is {}: use PBDB_WHEN_FULL_WAIT or \
                 PBDB_WHEN_FULL_REJECT",
                self.write_behind_when_full
            )));
        }
        if self.cache_enabled > 1 {
            return Err(Failure::argument(
                "PbdbOptions.cache_enabled must be 0 or 1",
            ));
        }
        Ok(())
    }

    /// The builder's settings from these options.
    pub(crate) fn apply(&self, builder: DbBuilder) -> DbBuilder {
        let when_full = match self.write_behind_when_full {
            PBDB_WHEN_FULL_REJECT => WhenFull::Reject,
            _ => WhenFull::Wait(ms(self.write_behind_wait_ms)),
        };
        let builder = builder
            .max_connections(self.max_connections as usize)
            .checkout_timeout(ms(self.checkout_timeout_ms))
            .connect_timeout(ms(self.connect_timeout_ms))
            .statement_timeout(
                (self.statement_timeout_ms > 0).then(|| ms(self.statement_timeout_ms)),
            )
            .max_retries(self.max_retries)
            .write_behind(WriteBehindConfig {
                interval: ms(self.write_behind_interval_ms),
                threshold: self.write_behind_threshold as usize,
                max_dirty: self.write_behind_max_dirty as usize,
                when_full,
                ..WriteBehindConfig::default()
            });
        if self.cache_enabled == 0 {
            builder.without_caches()
        } else {
            builder
        }
    }
}

/// Fills `*out` with the default options (and `size`).
///
/// # Safety
/// `out` is NULL (`PBDB_INVALID_ARGUMENT`) or points at writable memory for a `PbdbOptions`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_options_init(out: *mut PbdbOptions) -> crate::PbdbStatus {
    crate::error::entry(|| {
        // SAFETY: the caller's promise about `out`.
        unsafe { strings::write(out, PbdbOptions::default(), "out") }
    })
}
