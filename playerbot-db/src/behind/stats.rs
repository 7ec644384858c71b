//! What the write-behind queue has done, and holds, at one moment.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Flush rounds whose durations are kept for the percentiles in [`WriteBehindStats`].
const RECENT_FLUSHES: usize = 1024;

/// A round still running after this long counts as stalled (each of its statements is
/// bounded by the statement timeout, 10 s by default, unless that was turned off).
const STALLED_ROUND: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub(crate) struct Counters {
    pub(crate) flushes: AtomicU64,
    pub(crate) rows_written: AtomicU64,
    pub(crate) coalesced: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) last_flush_nanos: AtomicU64,
    pub(crate) max_flush_nanos: AtomicU64,
    /// Durations of the last [`RECENT_FLUSHES`] rounds that wrote rows. Rounds are a few a
    /// second at most, so a lock per round costs nothing.
    recent: Mutex<VecDeque<Duration>>,
    /// Where the two marks below count from.
    epoch: Instant,
    /// Nanoseconds after `epoch` (plus one, so 0 means none) of the first failed round
    /// since the last one that succeeded.
    failing_since: AtomicU64,
    /// Likewise, of the start of the round running now.
    round_started: AtomicU64,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            flushes: AtomicU64::new(0),
            rows_written: AtomicU64::new(0),
            coalesced: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            last_flush_nanos: AtomicU64::new(0),
            max_flush_nanos: AtomicU64::new(0),
            recent: Mutex::default(),
            epoch: Instant::now(),
            failing_since: AtomicU64::new(0),
            round_started: AtomicU64::new(0),
        }
    }
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn flushed(&self, rows: u64, took: Duration) {
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        Counters::add(&self.flushes, 1);
        Counters::add(&self.rows_written, rows);
        self.last_flush_nanos.store(nanos, Ordering::Relaxed);
        self.max_flush_nanos.fetch_max(nanos, Ordering::Relaxed);
        metrics::histogram!("playerbot_db_write_behind_flush_seconds").record(took.as_secs_f64());
        let mut recent = self.recent.lock().expect("recent flushes lock");
        if recent.len() == RECENT_FLUSHES {
            recent.pop_front();
        }
        recent.push_back(took);
    }

    fn mark(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    fn since(&self, mark: u64) -> Option<Duration> {
        (mark != 0).then(|| {
            self.epoch
                .elapsed()
                .saturating_sub(Duration::from_nanos(mark - 1))
        })
    }

    /// A flush round starts.
    pub(crate) fn round_started(&self) {
        self.round_started.store(self.mark(), Ordering::Relaxed);
    }

    /// A flush round ended; `failed` when some of its rows could not be written.
    pub(crate) fn round_ended(&self, failed: bool) {
        self.round_started.store(0, Ordering::Relaxed);
        if failed {
            let _ = self.failing_since.compare_exchange(
                0,
                self.mark(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        } else {
            self.failing_since.store(0, Ordering::Relaxed);
        }
    }

    /// How long the flusher has been unable to write: since its first failed round in a
    /// row, or since a round that is still running started, when that is long ago.
    fn stalled_for(&self) -> Option<Duration> {
        let failing = self.since(self.failing_since.load(Ordering::Relaxed));
        let running = self
            .since(self.round_started.load(Ordering::Relaxed))
            .filter(|&running| running >= STALLED_ROUND);
        failing.max(running)
    }

    /// The `q` quantile (0..=1) of the recent flush durations.
    fn recent_quantile(&self, q: f64) -> Duration {
        let mut recent: Vec<Duration> = self
            .recent
            .lock()
            .expect("recent flushes lock")
            .iter()
            .copied()
            .collect();
        if recent.is_empty() {
            return Duration::ZERO;
        }
        recent.sort_unstable();
        let rank = ((recent.len() - 1) as f64 * q).round() as usize;
        recent[rank]
    }
}

/// The write-behind queue, summed over entity types.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteBehindStats {
    /// Rows accepted and not yet in the server (pending and being written).
    pub depth: usize,
    /// How long the oldest of them has waited.
    pub oldest_unflushed: Duration,
    /// Flush rounds that wrote rows.
    pub flushes: u64,
    /// How long the last flush round that wrote rows took.
    pub last_flush: Duration,
    /// The longest such flush round.
    pub max_flush: Duration,
    /// The median duration of the last 1,024 flush rounds that wrote rows.
    pub flush_p50: Duration,
    /// Their 99th percentile.
    pub flush_p99: Duration,
    /// Rows written by flush rounds.
    pub rows_written: u64,
    /// Deferred writes replaced by a newer one of the same key before they were written.
    pub rows_coalesced: u64,
    /// Flush rounds that failed and were run again.
    pub retries: u64,
    /// Deferred writes refused because the queue was full.
    pub rejected: u64,
    /// Set while the flusher cannot write what it holds: how long since its first failed round in a row
    /// (the server away, a row it refuses), or since a round still running started when
    /// that was over 30 s ago. Accepted rows are kept and retried meanwhile; the warning log
    /// of each failed round says why.
    pub stalled_for: Option<Duration>,
}

impl WriteBehindStats {
    pub(crate) fn from_counters(counters: &Counters, depth: usize, oldest: Duration) -> Self {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        WriteBehindStats {
            depth,
            oldest_unflushed: oldest,
            flushes: load(&counters.flushes),
            last_flush: Duration::from_nanos(load(&counters.last_flush_nanos)),
            max_flush: Duration::from_nanos(load(&counters.max_flush_nanos)),
            flush_p50: counters.recent_quantile(0.50),
            flush_p99: counters.recent_quantile(0.99),
            rows_written: load(&counters.rows_written),
            rows_coalesced: load(&counters.coalesced),
            retries: load(&counters.retries),
            rejected: load(&counters.rejected),
            // With nothing left to write (superseded, say), nothing waits on the flusher.
            stalled_for: counters.stalled_for().filter(|_| depth > 0),
        }
    }

    /// Publishes the snapshot through the `metrics` facade.
    pub fn export_metrics(&self) {
        self.export_metrics_with(&[]);
    }

    /// The same, with `labels` on every series (a cluster adds `shard`).
    pub fn export_metrics_with(&self, labels: &[(&'static str, String)]) {
        metrics::gauge!("playerbot_db_write_behind_depth", labels).set(self.depth as f64);
        metrics::gauge!("playerbot_db_write_behind_oldest_seconds", labels)
            .set(self.oldest_unflushed.as_secs_f64());
        metrics::counter!("playerbot_db_write_behind_flushes_total", labels).absolute(self.flushes);
        metrics::counter!("playerbot_db_write_behind_rows_total", labels)
            .absolute(self.rows_written);
        metrics::counter!("playerbot_db_write_behind_coalesced_total", labels)
            .absolute(self.rows_coalesced);
        metrics::counter!("playerbot_db_write_behind_retries_total", labels).absolute(self.retries);
        metrics::counter!("playerbot_db_write_behind_rejected_total", labels)
            .absolute(self.rejected);
        metrics::gauge!("playerbot_db_write_behind_last_flush_seconds", labels)
            .set(self.last_flush.as_secs_f64());
        metrics::gauge!("playerbot_db_write_behind_stalled_seconds", labels)
            .set(self.stalled_for.unwrap_or_default().as_secs_f64());
    }
}
