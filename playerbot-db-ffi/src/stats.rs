//! `pbdb_stats`: the handle's pool, cache, write-behind and completion counters as one C
//! struct, read from the library's snapshots (never from the server).

use std::time::Duration;

use crate::error::entry;
use crate::handle::{open_of, PbdbDb};
use crate::status::PbdbStatus;
use crate::strings;

/// What the handle is doing at one moment. Durations in microseconds.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PbdbStats {
    /// Connections open (idle + in use + being opened or closed).
    pub pool_open: u64,
    /// Connections free to lend.
    pub pool_idle: u64,
    /// Connections lent out.
    pub pool_in_use: u64,
    /// The bound on `pool_open`.
    pub pool_max: u64,
    /// Connections lent out so far.
    pub pool_checkouts: u64,
    /// Checkouts that had to wait.
    pub pool_waits: u64,
    /// Checkouts that gave up after the checkout timeout.
    pub pool_timeouts: u64,
    /// Connections opened.
    pub pool_connects: u64,
    /// Attempts to open a connection that failed.
    pub pool_connect_failures: u64,
    /// Statements run again after a deadlock, lock wait or lost connection.
    pub pool_retries: u64,
    /// Loads answered by the L1 caches (every table's added up).
    pub cache_hits: u64,
    /// Loads the caches could not answer.
    pub cache_misses: u64,
    /// Rows the caches hold.
    pub cache_len: u64,
    /// Rows the caches evicted.
    pub cache_evictions: u64,
    /// Deferred writes accepted and not yet in the server.
    pub write_behind_depth: u64,
    /// How long the oldest of them has waited.
    pub write_behind_oldest_unflushed_us: u64,
    /// Flush rounds that wrote rows.
    pub write_behind_flushes: u64,
    /// Median flush round (of the last 1,024).
    pub write_behind_flush_p50_us: u64,
    /// 99th percentile flush round.
    pub write_behind_flush_p99_us: u64,
    /// Rows written by flush rounds.
    pub write_behind_rows_written: u64,
    /// Deferred writes replaced by a newer one of the same key before being written.
    pub write_behind_rows_coalesced: u64,
    /// Flush rounds run again after a failure.
    pub write_behind_retries: u64,
    /// Deferred writes refused because the queue was full.
    pub write_behind_rejected: u64,
    /// 1 while the flusher cannot write what it holds (the server away, say).
    pub write_behind_stalled: u8,
    /// Asynchronous calls submitted and not yet polled.
    pub completions_outstanding: u64,
}

fn micros(duration: Duration) -> u64 {
    duration.as_micros().try_into().unwrap_or(u64::MAX)
}

/// Fills `*out` with the handle's counters. Never blocks on the server.
///
/// # Safety
/// `db` is NULL or a live handle; `out` points at a writable `PbdbStats`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_stats(db: *const PbdbDb, out: *mut PbdbStats) -> PbdbStatus {
    entry(|| {
        strings::require_out(out, "out")?;
        // SAFETY: the caller's promise about `db`.
        let open = unsafe { open_of(db) }?;
        let db = open.db();
        let pool = db.stats();
        let behind = db.write_behind_stats();
        let caches = db.cache_stats();
        let stats = PbdbStats {
            pool_open: pool.open as u64,
            pool_idle: pool.idle as u64,
            pool_in_use: pool.in_use as u64,
            pool_max: pool.max as u64,
            pool_checkouts: pool.checkouts,
            pool_waits: pool.waits,
            pool_timeouts: pool.timeouts,
            pool_connects: pool.connects,
            pool_connect_failures: pool.connect_failures,
            pool_retries: pool.retries,
            cache_hits: caches.iter().map(|c| c.hits).sum(),
            cache_misses: caches.iter().map(|c| c.misses).sum(),
            cache_len: caches.iter().map(|c| c.len as u64).sum(),
            cache_evictions: caches.iter().map(|c| c.evictions).sum(),
            write_behind_depth: behind.depth as u64,
            write_behind_oldest_unflushed_us: micros(behind.oldest_unflushed),
            write_behind_flushes: behind.flushes,
            write_behind_flush_p50_us: micros(behind.flush_p50),
            write_behind_flush_p99_us: micros(behind.flush_p99),
            write_behind_rows_written: behind.rows_written,
            write_behind_rows_coalesced: behind.rows_coalesced,
            write_behind_retries: behind.retries,
            write_behind_rejected: behind.rejected,
            write_behind_stalled: u8::from(behind.stalled_for.is_some()),
            completions_outstanding: open.completions.outstanding() as u64,
        };
        // SAFETY: checked non-null; writable by the caller's promise.
        unsafe { strings::write(out, stats, "out") }
    })
}
