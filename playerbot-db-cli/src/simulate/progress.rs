//! The live progress line and the timeline the charts are drawn from, both sampled from the
//! library's stats by a task of their own, so the game loop only publishes a counter. Saves
//! per second are counted by the game loop itself ([`PerSecond`](super::rate::PerSecond)):
//! a sampler's windows do not line up with the bots' ticks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use playerbot_db::Db;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::bench::measure::Samples;

/// How often the line is redrawn; timeline points are one second apart.
const REDRAW: Duration = Duration::from_millis(250);
const POINT: Duration = Duration::from_secs(1);

/// The write-behind queue, sampled about once a second.
#[derive(Debug, Clone, Copy)]
pub(super) struct Point {
    /// Seconds since the game loop started.
    pub(super) at: f64,
    /// How long the oldest unflushed save had waited.
    pub(super) flush_lag_ms: f64,
    /// The 99th percentile of recent flush rounds.
    pub(super) flush_p99_ms: f64,
    pub(super) queue_depth: usize,
}

/// The run second by second, and the flush lag at every redraw.
#[derive(Debug, Default)]
pub(super) struct Timeline {
    pub(super) points: Vec<Point>,
    /// `(middle of the second, saves in it)` for every whole second of the game loop.
    pub(super) saves_per_s: Vec<(f64, f64)>,
    /// How long the oldest unflushed save had waited, sampled every 250 ms.
    pub(super) lag: Samples,
}

/// The sampling task; stopped (and its line cleared) by [`stop`](Self::stop) or on drop.
pub(super) struct Sampler {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Timeline>>,
}

impl Sampler {
    /// Starts sampling `db`; `saves_last_second` is the game loop's count of save calls in
    /// the last whole second of the run.
    pub(super) fn start(db: Db, saves_last_second: Arc<AtomicU64>) -> Sampler {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(sample(db, saves_last_second, stopped));
        Sampler {
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub(super) async fn stop(mut self) -> Timeline {
        drop(self.stop.take());
        match self.task.take() {
            Some(task) => task.await.unwrap_or_default(),
            None => Timeline::default(),
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn sample(
    db: Db,
    saves_last_second: Arc<AtomicU64>,
    mut stopped: oneshot::Receiver<()>,
) -> Timeline {
    // Drawn only on a terminal: a redirected run gets the report alone.
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}").expect("template"));
    let started = Instant::now();
    let mut timeline = Timeline::default();
    let mut last_point = started;
    let mut redraw = tokio::time::interval(REDRAW);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            _ = redraw.tick() => {}
        }
        let behind = db.write_behind_stats();
        timeline.lag.push(behind.oldest_unflushed);
        let hit_rate = db
            .cache_stats()
            .iter()
            .find(|stats| stats.entity == "BotState")
            .map_or(0.0, |stats| {
                let all = stats.hits + stats.misses;
                stats.hits as f64 / all.max(1) as f64
            });
        if last_point.elapsed() >= POINT {
            timeline.points.push(Point {
                at: started.elapsed().as_secs_f64(),
                flush_lag_ms: behind.oldest_unflushed.as_secs_f64() * 1e3,
                flush_p99_ms: behind.flush_p99.as_secs_f64() * 1e3,
                queue_depth: behind.depth,
            });
            last_point = Instant::now();
        }
        let rate = saves_last_second.load(Ordering::Relaxed);
        bar.set_message(format!(
            "saves/s {rate:>9}  flush lag {:>7.1} ms  queue {:>7}  hit rate {hit_rate:.3}",
            behind.oldest_unflushed.as_secs_f64() * 1e3,
            behind.depth,
        ));
        bar.tick();
    }
    bar.finish_and_clear();
    timeline
}
