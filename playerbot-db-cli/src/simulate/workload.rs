//! The game loop: logins, one save per bot per tick through the write-behind queue, events
//! and AI values now and then, Zipf loads through the cache, and relogins.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use playerbot_db::bots::{AiValue, BotEvent, BotState};
use playerbot_db::cluster::{MoveReport, ReadFrom};
use playerbot_db::Db;

use super::progress::{Sampler, Timeline};
use super::rate::PerSecond;
use super::Args;
use crate::bench::measure::Samples;
use crate::error::Error;
use crate::zipf::Zipf;

/// What the run did, per kind of call.
pub(super) struct Tally {
    pub(super) saves: Samples,
    /// Loads the cache (or the write-behind queue) answered.
    pub(super) memory_loads: Samples,
    /// Loads that went to the server.
    pub(super) server_loads: Samples,
    pub(super) events: u64,
    pub(super) ai_values: u64,
    pub(super) relogins: u64,
    /// Time for the last flush, after the game loop stopped.
    pub(super) final_flush: Duration,
    pub(super) login: Duration,
    pub(super) depth_max: usize,
}

impl Tally {
    /// Loads of the game loop answered from memory, over all of them (relogins, which skip
    /// the cache on purpose, left out).
    pub(super) fn hit_rate(&self) -> f64 {
        let memory = self.memory_loads.len();
        let all = memory + self.server_loads.len();
        if all == 0 {
            return 0.0;
        }
        memory as f64 / all as f64
    }
}

/// A finished run.
pub(super) struct Run {
    pub(super) tally: Tally,
    pub(super) seconds: f64,
    /// Every bot's last accepted state.
    pub(super) last: HashMap<u32, BotState>,
    pub(super) timeline: Timeline,
    /// What the range move (`--move`) did, when one was asked for.
    pub(super) moved: Option<Result<MoveReport, playerbot_db::Error>>,
}

/// A bot's state at `tick`: it moves, loses health and changes flags as it plays.
pub(super) fn state_of(bot_id: u32, tick: u64) -> BotState {
    BotState {
        bot_id,
        map_id: (bot_id % 4) as u16,
        zone_id: 1_000 + bot_id % 50,
        x: (bot_id % 1_000) as f32 + tick as f32 * 0.5,
        y: 100.0 + (tick % 360) as f32,
        z: 10.0,
        orientation: (tick % 628) as f32 / 100.0,
        health: 10_000 - (tick % 1_000) as u32,
        mana: 5_000,
        level: 80,
        flags: (tick % 3) as u32,
        updated_at: tick as i64,
    }
}

/// xorshift64: a fast, fixed sequence, so two runs with the same options do the same.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub(super) async fn run(db: &Db, args: &Args) -> Result<Run, Error> {
    let bots = args.bots;
    let started = Instant::now();
    // Login: every bot's row written and loaded in bulk.
    let mut last: HashMap<u32, BotState> = (0..bots).map(|id| (id, state_of(id, 0))).collect();
    let rows: Vec<BotState> = (0..bots).map(|id| state_of(id, 0)).collect();
    for chunk in rows.chunks(10_000) {
        db.save_all(chunk).await?;
    }
    let keys: Vec<u32> = (0..bots).collect();
    let logged_in = db.load_many::<BotState>(&keys).await?;
    let login = started.elapsed();
    eprintln!(
        "logged in {} bots in {login:?}",
        logged_in.iter().flatten().count()
    );

    let zipf = Zipf::new(bots as usize, 0.99);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let ticks = args.ticks();
    let tick_len = args.tick_len();
    let loads_per_tick = (bots / 10).max(1);
    // Saves by whole second of the game loop: the chart's line, and the live line's figure.
    let mut saves_by_second = PerSecond::default();
    let saves_last_second = Arc::new(AtomicU64::new(0));
    let sampler = Sampler::start(db.clone(), Arc::clone(&saves_last_second));
    let mut tally = Tally {
        saves: Samples::with_capacity((u64::from(bots) * ticks) as usize),
        memory_loads: Samples::with_capacity((u64::from(loads_per_tick) * ticks) as usize),
        server_loads: Samples::default(),
        events: 0,
        ai_values: 0,
        relogins: 0,
        final_flush: Duration::ZERO,
        login,
        depth_max: 0,
    };
    let run_started = Instant::now();
    // The range move runs beside the game loop, which keeps writing to the range.
    let mover = args.move_range.clone().map(|(ids, to)| {
        let (cluster, after) = (db.clone(), args.move_delay());
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            eprintln!("moving bot ids {}..{} to shard {to}", ids.start, ids.end);
            cluster.move_range(ids, to).await
        })
    });
    for tick in 1..=ticks {
        for bot_id in 0..bots {
            let state = state_of(bot_id, tick);
            let at = Instant::now();
            db.save_deferred(&state).await?;
            tally.saves.record(at);
            saves_by_second.record(at.duration_since(run_started));
            last.insert(bot_id, state);
            let roll = rng.next() % 100;
            if roll < 5 {
                db.save_deferred(&BotEvent {
                    bot_id,
                    event: format!("cooldown_{roll}"),
                    value: tick as i64,
                    expires_at: 1_800_000_000,
                })
                .await?;
                tally.events += 1;
            } else if roll < 7 {
                db.save_deferred(&AiValue {
                    bot_id,
                    name: "last_target".into(),
                    text: None,
                    int: Some(tick as i64),
                    float: None,
                    blob: None,
                    updated_at: tick as i64,
                    dirty: false,
                })
                .await?;
                tally.ai_values += 1;
            }
        }
        for _ in 0..loads_per_tick {
            let bot_id = zipf.sample(rng.unit()) as u32;
            let misses = cache_misses(db);
            let at = Instant::now();
            let loaded = db.load_from::<BotState>(&bot_id, ReadFrom::Primary).await?;
            // Timed before the counters are read again, which is not the load's cost.
            let took = at.elapsed();
            if cache_misses(db) == misses {
                tally.memory_loads.push(took);
            } else {
                tally.server_loads.push(took);
            }
            if loaded.as_ref() != last.get(&bot_id) {
                return Err(Error::Failed(format!(
                    "bot {bot_id} loaded {loaded:?}, its last save was {:?}",
                    last.get(&bot_id)
                )));
            }
        }
        // A few bots log out (dropped from memory) and back in (loaded again; from a
        // replica that has caught up, when there are replicas).
        let relogin_from = if args.replicas > 0 {
            ReadFrom::ReadYourWrites
        } else {
            ReadFrom::Primary
        };
        for _ in 0..(bots / 200).max(1) {
            let bot_id = (rng.next() % u64::from(bots)) as u32;
            db.invalidate::<BotState>(&bot_id)?;
            db.load_from::<BotState>(&bot_id, relogin_from).await?;
            tally.relogins += 1;
        }
        tally.depth_max = tally.depth_max.max(db.write_behind_stats().depth);
        let due = run_started + tick_len * tick as u32;
        tokio::time::sleep_until(due.into()).await;
        // Published on the tick's edge, where the second before has just ended.
        saves_last_second.store(
            saves_by_second.last_whole(run_started.elapsed()),
            Ordering::Relaxed,
        );
    }
    let flush_started = Instant::now();
    db.flush().await?;
    tally.final_flush = flush_started.elapsed();
    let seconds = run_started.elapsed().as_secs_f64();
    let mut timeline = sampler.stop().await;
    timeline.saves_per_s = saves_by_second.rates(args.run_time());
    let moved = match mover {
        Some(task) => Some(task.await.expect("the range move panicked")),
        None => None,
    };
    Ok(Run {
        tally,
        seconds,
        last,
        timeline,
        moved,
    })
}

fn cache_misses(db: &Db) -> u64 {
    db.cache_stats()
        .iter()
        .find(|stats| stats.entity == "BotState")
        .map_or(0, |stats| stats.misses)
}
