//! Saves counted by the whole second of the run they fell in, for the "saves per second"
//! chart and the live line. A second's count is its rate, however the bots' ticks fall
//! against the sampler's redraws: a rate taken over the sampler's 1–1.25 s windows caught one
//! 1 Hz tick or two, and swung between 0.8 and 1.6 times the real rate.

use std::time::Duration;

/// Events by whole second since the start of the run.
#[derive(Debug, Default)]
pub(super) struct PerSecond {
    counts: Vec<u64>,
}

impl PerSecond {
    /// One event, `since` the start of the run.
    pub(super) fn record(&mut self, since: Duration) {
        let second = usize::try_from(since.as_secs()).unwrap_or(usize::MAX - 1);
        if second >= self.counts.len() {
            self.counts.resize(second + 1, 0);
        }
        self.counts[second] += 1;
    }

    /// The count of the last second that had ended `now` into the run (0 in the first).
    pub(super) fn last_whole(&self, now: Duration) -> u64 {
        usize::try_from(now.as_secs())
            .ok()
            .and_then(|current| current.checked_sub(1))
            .and_then(|second| self.counts.get(second))
            .copied()
            .unwrap_or(0)
    }

    /// `(middle of the second, events in it)` for every whole second of a run planned to
    /// last `run`, and for any second past it that still had events (a game loop that fell
    /// behind); a second without events is a 0.
    pub(super) fn rates(&self, run: Duration) -> Vec<(f64, f64)> {
        let planned = run.as_secs_f64().ceil() as usize;
        (0..planned.max(self.counts.len()))
            .map(|second| {
                let count = self.counts.get(second).copied().unwrap_or(0);
                (second as f64 + 0.5, count as f64)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `per_tick` events at `hz` for `seconds`, each tick's burst `phase` seconds after its
    /// slot and spread over `spread` seconds, as the game loop saves its bots.
    fn ticks(hz: u32, per_tick: u64, seconds: u32, phase: f64, spread: f64) -> PerSecond {
        let mut counts = PerSecond::default();
        for tick in 0..hz * seconds {
            let slot = f64::from(tick) / f64::from(hz);
            for event in 0..per_tick {
                let at = slot + phase + spread * event as f64 / per_tick as f64;
                counts.record(Duration::from_secs_f64(at));
            }
        }
        counts
    }

    /// 20,000 bots at 1 Hz: the chart swung between 16,000 and 32,000 when the report said
    /// 20,000 saves/s. Each whole second now holds one tick, whatever its phase, and a tick
    /// split over a second's edge is made up by the one before.
    #[test]
    fn every_second_of_a_1_hz_run_shows_the_bots_rate() {
        // The last phase splits each tick over a second's edge (not exactly at an event).
        for phase in [0.0, 0.3, 0.97, 0.990_000_5] {
            let rates = ticks(1, 20_000, 10, phase, 0.02).rates(Duration::from_secs(10));
            // A split carries part of the last tick past the run's ten seconds.
            let split = phase + 0.02 > 1.0;
            assert_eq!(rates.len(), if split { 11 } else { 10 }, "phase {phase}");
            // The first second has no tick before it to make up the part of its own tick
            // that a split carried into the next second.
            for (at, rate) in &rates[1..10] {
                assert_eq!(*rate, 20_000.0, "phase {phase}, second at {at}: {rates:?}");
            }
            assert_eq!(rates[3].0, 3.5);
        }
    }

    #[test]
    fn two_ticks_a_second_add_up_to_the_rate() {
        let rates = ticks(2, 10_000, 5, 0.1, 0.05).rates(Duration::from_secs(5));
        assert!(rates.iter().all(|(_, rate)| *rate == 20_000.0), "{rates:?}");
    }

    #[test]
    fn a_stall_shows_as_0_and_seconds_past_the_plan_are_kept() {
        let mut counts = PerSecond::default();
        for event in 0..1_000 {
            counts.record(Duration::from_secs_f64(event as f64 / 1_000.0));
        }
        // Nothing in second 1; a loop that fell behind saved 500 times in second 2.
        for event in 0..500 {
            counts.record(Duration::from_secs_f64(2.0 + event as f64 / 1_000.0));
        }
        assert_eq!(
            counts.rates(Duration::from_secs(2)),
            vec![(0.5, 1_000.0), (1.5, 0.0), (2.5, 500.0)]
        );
        assert_eq!(counts.rates(Duration::from_secs(4)).len(), 4);
        assert!(PerSecond::default().rates(Duration::ZERO).is_empty());
    }

    #[test]
    fn the_live_line_shows_the_last_second_that_ended() {
        let counts = ticks(1, 300, 3, 0.1, 0.1);
        assert_eq!(counts.last_whole(Duration::from_secs_f64(0.5)), 0);
        assert_eq!(counts.last_whole(Duration::from_secs_f64(1.0)), 300);
        assert_eq!(counts.last_whole(Duration::from_secs_f64(2.7)), 300);
        assert_eq!(counts.last_whole(Duration::from_secs(9)), 0);
    }
}
