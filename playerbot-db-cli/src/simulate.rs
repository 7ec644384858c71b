//! `playerbot-db simulate`: N bots the way a bot module drives them — every bot moves and
//! saves its state each tick through the write-behind queue, writes events and AI values now
//! and then, the game loop loads bots on a Zipf(0.99) distribution through the cache, and some
//! bots log out and back in — then a report, and a check that the table holds exactly the
//! last state of every bot.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::zipf::Zipf;
use playerbot_db::bots::{AiValue, BotEvent, BotState};
use playerbot_db::migrate::Migrator;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::Db;

use crate::bench::measure::Samples;
use crate::target::Target;

pub(crate) struct Options {
    pub(crate) url: Option<String>,
    pub(crate) bots: u32,
    pub(crate) seconds: u64,
    pub(crate) hz: u32,
    pub(crate) json: Option<PathBuf>,
}

/// Database a simulation creates (and drops at the end) on the server.
const DATABASE: &str = "playerbot_simulate";

/// What the run did, per kind of call.
struct Tally {
    saves: Samples,
    loads: Samples,
    events: u64,
    ai_values: u64,
    relogins: u64,
    lag: Samples,
    depth_max: usize,
    /// Cache misses before the game loop started: loads that reached the server since are
    /// the difference.
    misses_before: u64,
}

pub(crate) async fn run(options: Options) -> Result<(), Error> {
    if options.bots == 0 || options.hz == 0 {
        return Err(Error::Usage("--bots and --hz must be at least 1".into()));
    }
    let target = Target::open(options.url.clone()).await?;
    target.fresh_database(DATABASE).await?;
    let db = target
        .builder(DATABASE)
        .register_bot_schema()
        .max_connections(8)
        .build()
        .await?;
    let report = Migrator::builtin().run(&db).await?;
    eprintln!(
        "database {DATABASE}: {} migrations applied; {} bots at {} Hz for {} s",
        report.applied.len(),
        options.bots,
        options.hz,
        options.seconds
    );
    let outcome = simulate(&db, &options).await;
    db.close().await;
    let drop_result = target.drop_database(DATABASE).await;
    let text = outcome?;
    drop_result?;
    if let Some(path) = &options.json {
        std::fs::write(path, &text.json).map_err(|err| Error::Io {
            action: "writing",
            path: path.clone(),
            source: err,
        })?;
        eprintln!("wrote {}", path.display());
    }
    println!("{}", text.table);
    if !text.verified {
        return Err(Error::Failed(
            "verification failed: the table does not hold the last state of every bot".into(),
        ));
    }
    Ok(())
}

struct Report {
    table: String,
    json: String,
    verified: bool,
}

fn state_of(bot_id: u32, tick: u64) -> BotState {
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

async fn simulate(db: &Db, options: &Options) -> Result<Report, Error> {
    let bots = options.bots;
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
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let ticks = options.seconds * u64::from(options.hz);
    let tick_len = Duration::from_secs(1) / options.hz;
    let loads_per_tick = (bots / 10).max(1);
    let mut tally = Tally {
        saves: Samples::with_capacity((u64::from(bots) * ticks) as usize),
        loads: Samples::with_capacity((u64::from(loads_per_tick) * ticks) as usize),
        events: 0,
        ai_values: 0,
        relogins: 0,
        lag: Samples::with_capacity(ticks as usize),
        depth_max: 0,
        misses_before: cache_misses(db),
    };
    let run_started = Instant::now();
    let mut last_progress = Instant::now();
    for tick in 1..=ticks {
        for bot_id in 0..bots {
            let state = state_of(bot_id, tick);
            let at = Instant::now();
            db.save_deferred(&state).await?;
            tally.saves.record(at);
            last.insert(bot_id, state);
            let roll = next() % 100;
            if roll < 5 {
                db.save_deferred(&BotEvent {
                    bot_id,
                    event: format!("cooldown_{}", roll),
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
            let uniform = (next() >> 11) as f64 / (1u64 << 53) as f64;
            let bot_id = zipf.sample(uniform) as u32;
            let at = Instant::now();
            let loaded = db.load::<BotState>(&bot_id).await?;
            tally.loads.record(at);
            if loaded.as_ref() != last.get(&bot_id) {
                return Err(Error::Failed(format!(
                    "bot {bot_id} loaded {loaded:?}, its last save was {:?}",
                    last.get(&bot_id)
                )));
            }
        }
        // A few bots log out (dropped from memory) and back in (loaded again).
        for _ in 0..(bots / 200).max(1) {
            let bot_id = (next() % u64::from(bots)) as u32;
            db.invalidate::<BotState>(&bot_id)?;
            db.load::<BotState>(&bot_id).await?;
            tally.relogins += 1;
        }
        let stats = db.write_behind_stats();
        tally.lag.push(stats.oldest_unflushed);
        tally.depth_max = tally.depth_max.max(stats.depth);
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            let elapsed = run_started.elapsed().as_secs_f64();
            let hit = tally.memory_rate(db);
            eprint!(
                "\r{elapsed:>6.1} s  saves/s {:>9.0}  flush lag {:>7.1} ms  queue {:>7}  hit rate {:.3}   ",
                tally.saves.len() as f64 / elapsed.max(f64::MIN_POSITIVE),
                stats.oldest_unflushed.as_secs_f64() * 1e3,
                stats.depth,
                hit,
            );
            let _ = std::io::stderr().flush();
        }
        let due = run_started + tick_len * tick as u32;
        tokio::time::sleep_until(due.into()).await;
    }
    eprintln!();
    let flush_started = Instant::now();
    db.flush().await?;
    let final_flush = flush_started.elapsed();
    let seconds = run_started.elapsed().as_secs_f64();
    let verified = verify(db, &last).await?;
    Ok(report(db, options, tally, seconds, final_flush, verified))
}

impl Tally {
    /// Loads answered from memory — the write-behind queue or the cache — over all loads of
    /// the game loop (relogins, which skip the cache on purpose, left out).
    fn memory_rate(&self, db: &Db) -> f64 {
        let loads = self.loads.len() as u64;
        let from_server = (cache_misses(db) - self.misses_before).saturating_sub(self.relogins);
        if loads == 0 {
            return 0.0;
        }
        1.0 - from_server.min(loads) as f64 / loads as f64
    }
}

fn cache_misses(db: &Db) -> u64 {
    db.cache_stats()
        .iter()
        .find(|stats| stats.entity == "BotState")
        .map_or(0, |stats| stats.misses)
}

/// Whether the table holds exactly `last` (read by plain SQL, around the library).
async fn verify(db: &Db, last: &HashMap<u32, BotState>) -> Result<bool, Error> {
    let mut conn = db.conn().await?;
    let rows: Vec<(u32, i64, u32)> = conn
        .query("SELECT bot_id, updated_at, flags FROM bot_state")
        .await?;
    if rows.len() != last.len() {
        eprintln!("verify: {} rows, {} bots", rows.len(), last.len());
        return Ok(false);
    }
    let wrong = rows
        .iter()
        .filter(|(id, at, flags)| {
            last.get(id)
                .is_none_or(|state| state.updated_at != *at || state.flags != *flags)
        })
        .count();
    if wrong > 0 {
        eprintln!("verify: {wrong} rows differ from the bots' last state");
    }
    Ok(wrong == 0)
}

fn report(
    db: &Db,
    options: &Options,
    mut tally: Tally,
    seconds: f64,
    final_flush: Duration,
    verified: bool,
) -> Report {
    let behind = db.write_behind_stats();
    let pool = db.stats();
    let hit_rate = tally.memory_rate(db);
    let saves = tally.saves.len();
    let loads = tally.loads.len();
    let (save, load, lag) = (
        tally.saves.summary(),
        tally.loads.summary(),
        tally.lag.summary(),
    );
    let saves_per_s = saves as f64 / seconds.max(f64::MIN_POSITIVE);
    let accepted = saves as u64 + tally.events + tally.ai_values;
    let coalescing = behind.rows_coalesced as f64 / accepted.max(1) as f64;
    let (bots, hz) = (options.bots, options.hz);
    let lag_p99_ms = lag.p99_us / 1e3;
    let table = [
        format!("bots {bots}, {seconds:.1} s at {hz} Hz"),
        format!(
            "save_deferred   {saves} calls  p50 {:.2} µs  p99 {:.2} µs  ({saves_per_s:.0}/s)",
            save.p50_us, save.p99_us
        ),
        format!(
            "load            {loads} calls  p50 {:.2} µs  p99 {:.2} µs  (answered from memory: {hit_rate:.3})",
            load.p50_us, load.p99_us
        ),
        format!(
            "events {}, ai values {}, relogins {}",
            tally.events, tally.ai_values, tally.relogins
        ),
        format!(
            "flush lag       p50 {:.1} ms  p99 {lag_p99_ms:.1} ms; queue depth max {}; final flush {final_flush:?}",
            lag.p50_us / 1e3,
            tally.depth_max
        ),
        format!(
            "rows written {}, coalesced {} ({coalescing:.3} of accepted), flushes {}, retries {}",
            behind.rows_written, behind.rows_coalesced, behind.flushes, behind.retries
        ),
        format!(
            "pool: open {}, checkouts {}, waits {}",
            pool.open, pool.checkouts, pool.waits
        ),
        format!("verified: {verified}"),
    ]
    .join("\n");
    let fields = [
        ("bots", bots.to_string()),
        ("seconds", format!("{seconds:.3}")),
        ("hz", hz.to_string()),
        ("saves_per_s", format!("{saves_per_s:.1}")),
        ("flush_lag_p99_ms", format!("{lag_p99_ms:.3}")),
        ("cache_hit_rate", format!("{hit_rate:.4}")),
        ("verified", verified.to_string()),
        ("save_deferred", latency_json(saves, &save)),
        ("load", latency_json(loads, &load)),
        ("rows_written", behind.rows_written.to_string()),
        ("rows_coalesced", behind.rows_coalesced.to_string()),
        ("flushes", behind.flushes.to_string()),
        ("retries", behind.retries.to_string()),
        ("events", tally.events.to_string()),
        ("ai_values", tally.ai_values.to_string()),
        ("relogins", tally.relogins.to_string()),
    ];
    let json = format!(
        "{{\n{}\n}}\n",
        fields
            .iter()
            .map(|(name, value)| format!("  \"{name}\": {value}"))
            .collect::<Vec<_>>()
            .join(",\n")
    );
    Report {
        table,
        json,
        verified,
    }
}

fn latency_json(calls: usize, summary: &crate::bench::measure::Summary) -> String {
    format!(
        "{{\"calls\": {calls}, \"p50_us\": {:.3}, \"p99_us\": {:.3}}}",
        summary.p50_us, summary.p99_us
    )
}
