//! Write-behind scenarios: the cost of accepting a deferred save, and how many bots saving
//! once a second the flusher keeps up with.

use std::time::{Duration, Instant};

use crate::error::Error;
use playerbot_db::bots::BotState;
use playerbot_db::{Db, WriteBehindConfig};

use super::measure::Samples;
use super::scenarios::Outcome;
use super::Setup;

/// `save_deferred` while the flusher runs, beside an insert of the same row into a
/// `Mutex<HashMap>` (the least a queue coalescing by key can do).
pub(crate) async fn write_behind_enqueue(setup: &Setup, n: usize) -> Result<Outcome, Error> {
    let db = &setup.cached;
    let plain: std::sync::Mutex<std::collections::HashMap<u32, BotState>> =
        std::sync::Mutex::new(std::collections::HashMap::new());
    let (mut ours, mut theirs) = (Samples::with_capacity(n), Samples::with_capacity(n));
    for i in 0..n {
        let mut row = super::seed_state((i % setup.bots) as u32);
        row.updated_at += i as i64;
        let copy = row.clone();
        let started = Instant::now();
        db.save_deferred(&row).await?;
        ours.record(started);
        let started = Instant::now();
        plain
            .lock()
            .expect("baseline map")
            .insert(copy.bot_id, copy);
        theirs.record(started);
    }
    db.flush().await?;
    Ok(Outcome {
        ours,
        baseline: theirs,
    })
}

/// Bot counts tried, each for `RUN` seconds; the scenario stops at the first that falls
/// behind.
const BOT_COUNTS: [u32; 9] = [
    12_500, 25_000, 50_000, 100_000, 150_000, 200_000, 250_000, 300_000, 400_000,
];
const RUN: Duration = Duration::from_secs(4);
const TICK: Duration = Duration::from_millis(10);
/// Flush lag p99 a bot count must stay under.
const MAX_LAG: Duration = Duration::from_secs(1);

/// N bots each saving once a second through write-behind (flushes every 100 ms): the
/// largest N whose flush lag — the age of the oldest unflushed row, sampled every 10 ms —
/// stays under 1 s at p99. Ours: the lag samples of that N; the baseline side holds the
/// enqueue latencies of the same run.
///
/// A short run (`quick`, for a smoke test of the command) tries the first count for 1 s.
///
/// Run for flushes over 1, 2 and 4 connections (the default is 2); reported: the default's.
pub(crate) async fn sustained_bots(setup: &Setup, quick: bool) -> Result<(Outcome, f64), Error> {
    let mut reported = None;
    let tried: &[usize] = if quick { &[2] } else { &[1, 2, 4] };
    for &connections in tried {
        eprintln!("  flushes over {connections} connection(s):");
        let (outcome, bots) = sustained_with(setup, quick, connections).await?;
        eprintln!("  → {bots} bots with {connections} connection(s)");
        if connections == WriteBehindConfig::default().connections {
            reported = Some((outcome, bots));
        }
    }
    Ok(reported.expect("the default connection count is tried"))
}

async fn sustained_with(
    setup: &Setup,
    quick: bool,
    connections: usize,
) -> Result<(Outcome, f64), Error> {
    let db = Db::builder(setup.url.expose())
        .database(&setup.database)
        .register::<BotState>()
        .cache::<BotState>(None)
        .max_connections(connections + 2)
        .write_behind(WriteBehindConfig {
            interval: Duration::from_millis(100),
            threshold: 20_000,
            connections,
            ..WriteBehindConfig::default()
        })
        .build()
        .await?;
    let mut best: Option<(u32, Outcome)> = None;
    let (counts, run) = if quick {
        (&BOT_COUNTS[..1], Duration::from_secs(1))
    } else {
        (&BOT_COUNTS[..], RUN)
    };
    for &bots in counts {
        let (lag, enqueue) = run_bots(&db, bots, run).await?;
        let mut lag_copy = lag.clone_samples();
        let p99 = Duration::from_secs_f64(lag_copy.summary().p99_us / 1e6);
        eprintln!("  {bots} bots: flush lag p99 {p99:?}");
        if p99 >= MAX_LAG {
            break;
        }
        best = Some((
            bots,
            Outcome {
                ours: lag,
                baseline: enqueue,
            },
        ));
    }
    db.close().await;
    let (bots, outcome) = best.unwrap_or((
        0,
        Outcome {
            ours: Samples::with_capacity(0),
            baseline: Samples::with_capacity(0),
        },
    ));
    Ok((outcome, f64::from(bots)))
}

/// `bots` bots saving once a second for `run`: the lag samples and enqueue latencies.
async fn run_bots(db: &Db, bots: u32, run: Duration) -> Result<(Samples, Samples), Error> {
    let ticks = (run.as_millis() / TICK.as_millis()) as u32;
    let per_tick = bots / 100;
    let mut lag = Samples::with_capacity(ticks as usize);
    let mut enqueue = Samples::with_capacity((per_tick * ticks) as usize);
    let started = Instant::now();
    let mut next_id = 0u32;
    for tick in 0..ticks {
        for _ in 0..per_tick {
            let mut row = super::seed_state(next_id);
            row.updated_at = i64::from(tick);
            let at = Instant::now();
            db.save_deferred(&row).await?;
            enqueue.record(at);
            next_id = (next_id + 1) % bots;
        }
        lag.push(db.write_behind_stats().oldest_unflushed);
        let due = started + TICK * (tick + 1);
        tokio::time::sleep_until(due.into()).await;
    }
    db.flush().await?;
    Ok((lag, enqueue))
}
