//! Pool counters: atomics updated where things happen, read as one snapshot.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) slow_checkouts: AtomicU64,
    pub(super) retired_checkouts: AtomicU64,
    pub(super) waits: AtomicU64,
    pub(super) wait_nanos: AtomicU64,
    pub(super) max_wait_nanos: AtomicU64,
    pub(super) timeouts: AtomicU64,
    pub(super) connects: AtomicU64,
    pub(super) connect_failures: AtomicU64,
    pub(super) retries: AtomicU64,
    pub(super) recycled: AtomicU64,
    pub(super) closed_unclean: AtomicU64,
}

impl Counters {
    pub(super) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the pool is doing, at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open (idle + in use + being opened or closed).
    pub open: usize,
    /// Connections free to lend.
    pub idle: usize,
    /// Connections lent out.
    pub in_use: usize,
    /// The bound on `open`.
    pub max: usize,
    /// Connections lent out so far.
    pub checkouts: u64,
    /// Checkouts that had to wait for a connection to come back.
    pub waits: u64,
    /// The time all checkouts spent waiting, summed.
    pub wait_time: Duration,
    /// The longest any checkout waited.
    pub max_wait: Duration,
    /// Checkouts that gave up after the checkout timeout.
    pub timeouts: u64,
    /// Connections opened.
    pub connects: u64,
    /// Attempts to open a connection that failed.
    pub connect_failures: u64,
    /// Statements and transactions run again after a deadlock, lock wait or lost connection.
    pub retries: u64,
    /// Connections made clean again by the recycler (a rolled-back transaction, released
    /// locks, a reset session) before going back to a free list.
    pub recycled: u64,
    /// Connections closed because they could not be cleaned.
    pub closed_unclean: u64,
    /// TLS certificate checks are off (`dangerously_accept_unverified_tls_for_tests`).
    pub tls_unverified: bool,
}

impl PoolStats {
    /// Publishes the snapshot through the `metrics` facade (any installed exporter serves it).
    pub fn export_metrics(&self) {
        self.export_metrics_with(&[]);
    }

    /// The same, with `labels` on every series (a cluster adds `shard`).
    pub fn export_metrics_with(&self, labels: &[(&'static str, String)]) {
        metrics::gauge!("playerbot_db_pool_open", labels).set(self.open as f64);
        metrics::gauge!("playerbot_db_pool_idle", labels).set(self.idle as f64);
        metrics::gauge!("playerbot_db_pool_in_use", labels).set(self.in_use as f64);
        metrics::gauge!("playerbot_db_pool_max_wait_seconds", labels)
            .set(self.max_wait.as_secs_f64());
        metrics::counter!("playerbot_db_pool_checkouts_total", labels).absolute(self.checkouts);
        metrics::counter!("playerbot_db_pool_waits_total", labels).absolute(self.waits);
        metrics::counter!("playerbot_db_pool_wait_seconds_total", labels)
            .absolute(self.wait_time.as_secs());
        metrics::counter!("playerbot_db_pool_timeouts_total", labels).absolute(self.timeouts);
        metrics::counter!("playerbot_db_pool_connects_total", labels).absolute(self.connects);
        metrics::counter!("playerbot_db_pool_connect_failures_total", labels)
            .absolute(self.connect_failures);
        metrics::counter!("playerbot_db_retries_total", labels).absolute(self.retries);
        metrics::counter!("playerbot_db_pool_recycled_total", labels).absolute(self.recycled);
        metrics::counter!("playerbot_db_pool_closed_unclean_total", labels)
            .absolute(self.closed_unclean);
    }
}
