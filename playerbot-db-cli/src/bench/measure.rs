//! Latency samples and their summary.

use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub(crate) struct Samples {
    nanos: Vec<u64>,
    /// Wall time the operations took together, for throughput.
    busy: Duration,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Summary {
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) max_us: f64,
    pub(crate) ops_per_s: f64,
}

impl Samples {
    pub(crate) fn with_capacity(n: usize) -> Samples {
        Samples {
            nanos: Vec::with_capacity(n),
            busy: Duration::ZERO,
        }
    }

    /// Records a duration measured another way (a lag sampled from stats).
    pub(crate) fn push(&mut self, value: Duration) {
        self.nanos
            .push(u64::try_from(value.as_nanos()).unwrap_or(u64::MAX));
        self.busy += value;
    }

    pub(crate) fn len(&self) -> usize {
        self.nanos.len()
    }

    pub(crate) fn clone_samples(&self) -> Samples {
        Samples {
            nanos: self.nanos.clone(),
            busy: self.busy,
        }
    }

    pub(crate) fn record(&mut self, started: Instant) {
        let elapsed = started.elapsed();
        self.nanos
            .push(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
        self.busy += elapsed;
    }

    /// Adds `other`'s samples and busy time (a later round of the same measurement).
    pub(crate) fn extend(&mut self, other: Samples) {
        self.nanos.extend(other.nanos);
        self.busy += other.busy;
    }

    /// Merges another thread's samples; `wall` is the time all threads ran together.
    pub(crate) fn merge_parallel(parts: Vec<Samples>, wall: Duration) -> Samples {
        let nanos = parts.into_iter().flat_map(|part| part.nanos).collect();
        Samples { nanos, busy: wall }
    }

    /// The `q` quantile (0..=1) in microseconds, after [`summary`](Self::summary) sorted.
    pub(crate) fn quantile_us(&self, q: f64) -> f64 {
        let index = ((self.nanos.len() as f64 - 1.0).max(0.0) * q).round() as usize;
        self.nanos.get(index).copied().unwrap_or(0) as f64 / 1_000.0
    }

    pub(crate) fn summary(&mut self) -> Summary {
        self.nanos.sort_unstable();
        let at = |q: f64| {
            let index = ((self.nanos.len() as f64 - 1.0) * q).round() as usize;
            self.nanos.get(index).copied().unwrap_or(0) as f64 / 1_000.0
        };
        Summary {
            p50_us: at(0.50),
            p99_us: at(0.99),
            max_us: self.nanos.last().copied().unwrap_or(0) as f64 / 1_000.0,
            ops_per_s: self.nanos.len() as f64 / self.busy.as_secs_f64().max(f64::MIN_POSITIVE),
        }
    }
}
