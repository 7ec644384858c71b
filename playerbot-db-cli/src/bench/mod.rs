//! `playerbot-db bench`: every scenario runs our path and a hand-written mysql_async baseline
//! in the same process, on the same server and table, and reports both and their ratio.

mod args;
mod baseline;
mod behind;
mod cache;
mod concurrent;
mod galera;
pub(crate) mod measure;
mod report;
mod scale;
mod scenario;
pub(crate) mod scenarios;

use std::time::Instant;

use crate::error::Error;
use playerbot_db::bots::{BotEvent, BotState};
use playerbot_db::{BulkMode, Db, DbUrl};

use crate::target::Target;
pub(crate) use args::Args;
use baseline::Baseline;
use concurrent::Op;
use measure::Summary;
pub(crate) use scenario::Scenario;

/// What every scenario shares: a Db on a seeded `bot_state` and its URL.
pub(crate) struct Setup {
    /// Our side of the scenarios that measure the path to the server: no L1 cache.
    pub(crate) db: Db,
    /// The same database with `BotState`'s cache on, for the cache scenarios.
    pub(crate) cached: Db,
    /// The server, without a database.
    pub(crate) url: DbUrl,
    /// The database the run created.
    pub(crate) database: String,
    pub(crate) bots: usize,
    /// Bots seeded with `scenarios::EVENTS_PER_BOT` events each.
    pub(crate) event_bots: usize,
    /// How our bulk saves send rows (the baseline always uses bulk execute on MariaDB).
    pub(crate) bulk_mode: BulkMode,
}

/// Bots seeded before the scenarios run.
const SEEDED_BOTS: usize = 5_000;
/// Bots seeded with events for `load_by_prefix_20`.
const EVENT_BOTS: usize = 1_000;

pub(crate) struct Result_ {
    pub(crate) name: &'static str,
    pub(crate) ours: Summary,
    pub(crate) baseline: Summary,
    /// A figure of our side beyond latency (`hit_rate`), reported with it.
    pub(crate) extra: Option<(&'static str, f64)>,
}

pub(crate) fn seed_state(bot_id: u32) -> BotState {
    BotState {
        bot_id,
        map_id: (bot_id % 571) as u16,
        zone_id: 4395,
        x: 5804.0 + (bot_id % 100) as f32,
        y: 624.8,
        z: 647.8,
        orientation: 1.57,
        health: 27_400,
        mana: 18_000,
        level: 80,
        flags: 0,
        updated_at: 1_790_000_000_000,
    }
}

pub(crate) async fn run(args: Args) -> Result<(), Error> {
    let chosen = args.chosen();
    let embedded = playerbot_db_embedded::EmbeddedServer::builder().in_memory(args.tmpfs);
    if args.tmpfs && !embedded.is_in_memory() {
        eprintln!("--tmpfs: this machine has no /dev/shm; the data stays on disk");
    }
    let embedded_in_memory = embedded.is_in_memory();
    let target = Target::open_with(args.url.clone(), embedded).await?;
    target.fresh_database(&args.database).await?;
    let db = target
        .builder(&args.database)
        .register::<BotState>()
        .register::<BotEvent>()
        .cache::<BotState>(None)
        .build()
        .await?;
    let cached = target
        .builder(&args.database)
        .register::<BotState>()
        .max_connections(4)
        .build()
        .await?;
    db.create_tables().await?;
    let flavor = db.flavor().await?;
    let seeding = Instant::now();
    for chunk in (0..SEEDED_BOTS as u32).collect::<Vec<_>>().chunks(500) {
        let mut batch = db.batch();
        for &bot_id in chunk {
            batch.save(&seed_state(bot_id));
        }
        batch.commit().await?;
    }
    let events: Vec<BotEvent> = (0..EVENT_BOTS as u32)
        .flat_map(|bot_id| {
            (0..scenarios::EVENTS_PER_BOT).map(move |i| BotEvent {
                bot_id,
                event: format!("event_{i:02}"),
                value: i as i64,
                expires_at: 1_790_000_000,
            })
        })
        .collect();
    db.save_all(&events).await?;
    eprintln!(
        "server: {flavor}; seeded {SEEDED_BOTS} bots and {} events in {:?}",
        events.len(),
        seeding.elapsed()
    );
    let setup = Setup {
        db,
        cached,
        url: target.server_url.clone(),
        database: args.database.clone(),
        bots: SEEDED_BOTS,
        event_bots: EVENT_BOTS,
        bulk_mode: args.bulk_mode(),
    };
    let mut baseline = Baseline::connect(&setup, flavor.dialect()).await?;

    let mut results = Vec::new();
    for scenario in chosen {
        let name = scenario.name();
        eprintln!("running {name} ({} operations per side)…", args.iterations);
        let mut extra = None;
        let mut outcome = match scenario {
            Scenario::PointLoad => {
                scenarios::point_load(&setup, &mut baseline, args.iterations).await?
            }
            Scenario::SingleSave => {
                scenarios::single_save(&setup, &mut baseline, args.iterations).await?
            }
            Scenario::LoadMany100 => {
                scenarios::load_many_100(&setup, &mut baseline, args.iterations).await?
            }
            Scenario::LoadByPrefix20 => {
                scenarios::load_by_prefix_20(&setup, &mut baseline, args.iterations).await?
            }
            Scenario::PoolCheckout => scenarios::pool_checkout(&setup, args.iterations * 4).await?,
            // ~20 ms an operation: a two-hundredth of the iterations (100 by default) per side.
            Scenario::BulkSave5000Insert => {
                scenarios::bulk_save_5000_insert(
                    &setup,
                    &mut baseline,
                    (args.iterations / 200).max(3),
                )
                .await?
            }
            Scenario::BulkSave5000Update => {
                scenarios::bulk_save_5000_update(
                    &setup,
                    &mut baseline,
                    (args.iterations / 200).max(3),
                )
                .await?
            }
            Scenario::CacheHitLoad => cache::cache_hit_load(&setup, args.iterations * 5).await?,
            Scenario::WriteBehindEnqueue => {
                behind::write_behind_enqueue(&setup, args.iterations * 5).await?
            }
            Scenario::SustainedBots => {
                let quick = args.iterations < 1_000;
                let (outcome, bots) = behind::sustained_bots(&setup, quick).await?;
                extra = Some(("bots", bots));
                outcome
            }
            Scenario::ReplicaRead => scale::replica_read(args.iterations).await?,
            Scenario::ClusterSaveDeferred => {
                scale::cluster_save_deferred(args.iterations * 5).await?
            }
            // ~25 ms a save; a two-hundredth of the iterations per side, at least 2.
            Scenario::TwoShardBulkSave => {
                scale::two_shard_bulk_save((args.iterations / 200).max(2)).await?
            }
            // ~40 ms a save on the cluster; a two-hundredth of the iterations, at least 2.
            Scenario::GaleraBulkSave => {
                galera::galera_bulk_save((args.iterations / 200).max(2)).await?
            }
            // 64 tasks through the coalescing Db, 64 hand-written ones on connections of
            // their own; then one task alone, where there is nobody to coalesce with.
            Scenario::ConcurrentLoad64 | Scenario::ConcurrentSave64 | Scenario::ConcurrentLoad1 => {
                let (op, tasks, n) = match scenario {
                    Scenario::ConcurrentLoad64 => (Op::Load, 64, args.iterations * 4),
                    Scenario::ConcurrentSave64 => (Op::Save, 64, args.iterations * 4),
                    _ => (Op::Load, 1, args.iterations),
                };
                let (outcome, per_statement) =
                    concurrent::concurrent(&setup, flavor.dialect(), op, tasks, n).await?;
                extra = Some(("calls_per_joined_statement", per_statement));
                outcome
            }
            Scenario::GaleraFailover => {
                let (outcome, lost) = galera::galera_failover().await?;
                extra = Some(("lost_saves", lost));
                outcome
            }
            Scenario::ZipfHitRate => {
                let (outcome, rate) =
                    cache::zipf_hit_rate(&setup, &mut baseline, args.iterations * 5).await?;
                extra = Some(("hit_rate", rate));
                outcome
            }
        };
        results.push(Result_ {
            name,
            ours: outcome.ours.summary(),
            baseline: outcome.baseline.summary(),
            extra,
        });
    }
    drop(baseline);
    drop(setup);
    target.drop_database(&args.database).await?;
    let mut server = flavor.to_string();
    if args.url.is_none() && embedded_in_memory {
        server.push_str(", data in memory");
    }
    println!("{}", report::table(&server, &results));
    if let Some(path) = args.json {
        std::fs::write(&path, report::json(&server, &results)).map_err(|err| Error::Io {
            action: "writing",
            path: path.clone(),
            source: err,
        })?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
