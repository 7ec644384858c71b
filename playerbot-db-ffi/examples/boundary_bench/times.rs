//! What each side measures, and its p50 and p99.

use std::time::Duration;

/// One call's p50 and p99, in ns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Figures {
    pub(crate) p50: u128,
    pub(crate) p99: u128,
}

impl Figures {
    pub(crate) fn of(mut times: Vec<Duration>) -> Figures {
        times.sort_unstable();
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize].as_nanos();
        Figures {
            p50: at(0.5),
            p99: at(0.99),
        }
    }
}

/// The figures of one side's three calls.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Side {
    /// `save_deferred` of one bot's state.
    pub(crate) save_deferred: Figures,
    /// A load the write-behind queue or the cache answers.
    pub(crate) load_cached: Figures,
    /// A load submitted and waited for: through the completion queue from C and C++, a
    /// spawned task joined from Rust.
    pub(crate) load_queued: Figures,
}

/// In which order a side makes its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Every save, then every load, then every queued load: a world tick's shape (all
    /// bots saved, then the loads), each call kind on warm caches.
    Phased,
    /// Save, load, queued load for one bot, then the next: each call follows a trip
    /// through the runtime's worker threads, on cold caches.
    Interleaved,
}

impl Shape {
    /// The word the C++ program takes for it.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Shape::Phased => "phased",
            Shape::Interleaved => "interleaved",
        }
    }
}

/// Each call's times, in the order made.
#[derive(Debug, Default)]
pub(crate) struct Times {
    pub(crate) save_deferred: Vec<Duration>,
    pub(crate) load_cached: Vec<Duration>,
    pub(crate) load_queued: Vec<Duration>,
}

impl Times {
    /// Times `calls` of each of the three calls, in `shape`'s order; each closure makes
    /// call `i` and says how long it took.
    pub(crate) fn collect(
        shape: Shape,
        calls: usize,
        mut save: impl FnMut(usize) -> Duration,
        mut load: impl FnMut(usize) -> Duration,
        mut queued: impl FnMut(usize) -> Duration,
    ) -> Times {
        let mut times = Times::default();
        match shape {
            Shape::Phased => {
                times.save_deferred = (0..calls).map(&mut save).collect();
                times.load_cached = (0..calls).map(&mut load).collect();
                times.load_queued = (0..calls).map(&mut queued).collect();
            }
            Shape::Interleaved => {
                for i in 0..calls {
                    times.save_deferred.push(save(i));
                    times.load_cached.push(load(i));
                    times.load_queued.push(queued(i));
                }
            }
        }
        times
    }

    pub(crate) fn side(self) -> Side {
        Side {
            save_deferred: Figures::of(self.save_deferred),
            load_cached: Figures::of(self.load_cached),
            load_queued: Figures::of(self.load_queued),
        }
    }
}
