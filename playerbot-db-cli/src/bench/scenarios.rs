//! Each scenario runs our path and the hand-written baseline in turns, in blocks, so that
//! drift on a shared machine hits both sides alike.

use std::future::Future;
use std::time::{Duration, Instant};

use playerbot_db::bots::{BotEvent, BotState};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{self, PoolConstraints, PoolOpts};
use playerbot_db::Error;
use playerbot_db_embedded::connect_opts;

use crate::error::Error as CliError;

use super::baseline::Baseline;
use super::measure::Samples;
use super::Setup;

/// Operations per block before switching sides.
const BLOCK: usize = 250;

pub(crate) struct Outcome {
    pub(crate) ours: Samples,
    pub(crate) baseline: Samples,
}

/// A bot that exists, spread over the seeded ids.
fn bot_id(setup: &Setup, i: usize) -> u32 {
    ((i * 7_919) % setup.bots) as u32
}

/// A changed row for bot `i`: `side` 0 (ours) and 1 (baseline) write different values, so
/// every upsert really changes its row and neither side gets the cheaper no-op update.
fn moved(setup: &Setup, i: usize, side: usize) -> BotState {
    let mut state = super::seed_state(bot_id(setup, i));
    state.x += (i % 100) as f32;
    state.mana = (2 * i + side) as u32;
    state.updated_at += i as i64;
    state
}

/// Runs `n` operations of each side in alternating blocks (which side goes first alternates
/// too), timing each operation.
async fn interleave(
    n: usize,
    block: usize,
    mut ours: impl AsyncFnMut(usize) -> Result<(), Error>,
    mut theirs: impl AsyncFnMut(usize) -> Result<(), Error>,
) -> Result<Outcome, Error> {
    let (mut our_samples, mut their_samples) =
        (Samples::with_capacity(n), Samples::with_capacity(n));
    for (round, start) in (0..n).step_by(block).enumerate() {
        let range = start..(start + block).min(n);
        for side in [round % 2, 1 - round % 2] {
            for i in range.clone() {
                let started = Instant::now();
                if side == 0 {
                    ours(i).await?;
                    our_samples.record(started);
                } else {
                    theirs(i).await?;
                    their_samples.record(started);
                }
            }
        }
    }
    Ok(Outcome {
        ours: our_samples,
        baseline: their_samples,
    })
}

pub(crate) async fn point_load(
    setup: &Setup,
    baseline: &mut Baseline,
    n: usize,
) -> Result<Outcome, Error> {
    interleave(
        n,
        BLOCK,
        async |i| {
            let found = setup.db.load::<BotState>(&bot_id(setup, i)).await?;
            assert!(found.is_some());
            Ok(())
        },
        async |i| {
            let found = baseline.load(bot_id(setup, i)).await?;
            assert!(found.is_some());
            Ok(())
        },
    )
    .await
}

pub(crate) async fn single_save(
    setup: &Setup,
    baseline: &mut Baseline,
    n: usize,
) -> Result<Outcome, Error> {
    // The rows are built outside the timed part on both sides' behalf alike: `moved` is cheap
    // next to a round trip, and both sides pay it.
    interleave(
        n,
        BLOCK,
        async |i| setup.db.save(&moved(setup, i, 0)).await,
        async |i| Ok(baseline.save(&moved(setup, i, 1)).await?),
    )
    .await
}

pub(crate) async fn load_many_100(
    setup: &Setup,
    baseline: &mut Baseline,
    n: usize,
) -> Result<Outcome, Error> {
    let keys = |i: usize| -> Vec<u32> { (0..100).map(|k| bot_id(setup, i * 100 + k)).collect() };
    interleave(
        n.div_ceil(10),
        BLOCK / 10,
        async |i| {
            let found = setup.db.load_many::<BotState>(&keys(i)).await?;
            assert!(found.iter().all(Option::is_some));
            Ok(())
        },
        async |i| {
            let found = baseline.load_100(&keys(i)).await?;
            assert_eq!(found.len(), 100);
            Ok(())
        },
    )
    .await
}

/// Events each seeded bot has (see `super::seed_events`).
pub(crate) const EVENTS_PER_BOT: usize = 20;

/// All events of one bot by the key prefix `bot_id`, beside a hand-written prepared SELECT.
pub(crate) async fn load_by_prefix_20(
    setup: &Setup,
    baseline: &mut Baseline,
    n: usize,
) -> Result<Outcome, Error> {
    let bot = |i: usize| ((i * 7_919) % setup.event_bots) as u32;
    interleave(
        n,
        BLOCK,
        async |i| {
            let found = setup.db.load_by(&BotEvent::by_bot_id(bot(i))).await?;
            assert_eq!(found.len(), EVENTS_PER_BOT);
            Ok(())
        },
        async |i| {
            let found = baseline.load_events(bot(i)).await?;
            assert_eq!(found.len(), EVENTS_PER_BOT);
            Ok(())
        },
    )
    .await
}

/// Bots the bulk scenarios save at once, in their own id range (partition p2).
const BULK_ROWS: u32 = 5_000;
const BULK_FIRST_ID: u32 = 20_000;

fn bulk_rows(generation: usize) -> Vec<BotState> {
    (BULK_FIRST_ID..BULK_FIRST_ID + BULK_ROWS)
        .map(|bot_id| BotState {
            mana: generation as u32,
            updated_at: generation as i64,
            ..super::seed_state(bot_id)
        })
        .collect()
}

async fn delete_bulk_rows(setup: &Setup) -> Result<(), Error> {
    let mut conn = setup.db.conn().await?;
    let sql = playerbot_db::sql::moving::delete_range("bot_state", "bot_id");
    let (first, end) = (BULK_FIRST_ID as u64, (BULK_FIRST_ID + BULK_ROWS) as u64);
    conn.exec_drop(sql, (first, end)).await?;
    Ok(())
}

/// 5,000 new rows in one call; the rows are deleted (untimed) before every save.
pub(crate) async fn bulk_save_5000_insert(
    setup: &Setup,
    baseline: &mut Baseline,
    n: usize,
) -> Result<Outcome, Error> {
    let rows = bulk_rows(1);
    let (mut ours, mut theirs) = (Samples::with_capacity(n), Samples::with_capacity(n));
    for round in 0..n {
        for side in [round % 2, 1 - round % 2] {
            delete_bulk_rows(setup).await?;
            let started = Instant::now();
            if side == 0 {
                setup
                    .db
                    .bulk::<BotState>()
                    .mode(setup.bulk_mode)
                    .save(&rows)
                    .await?;
                ours.record(started);
            } else {
                baseline.save_all(&rows).await?;
                theirs.record(started);
            }
        }
    }
    Ok(Outcome {
        ours,
        baseline: theirs,
    })
}

/// The same 5,000 rows saved again with new values each time: every row is updated.
pub(crate) async fn bulk_save_5000_update(
    setup: &Setup,
    baseline: &mut Baseline,
    n: usize,
) -> Result<Outcome, Error> {
    setup.db.save_all(&bulk_rows(0)).await?;
    let generations: Vec<Vec<BotState>> = (1..=2 * n).map(bulk_rows).collect();
    interleave(
        n,
        1,
        async |i| {
            setup
                .db
                .bulk::<BotState>()
                .mode(setup.bulk_mode)
                .save(&generations[2 * i])
                .await
                .map(drop)
        },
        async |i| Ok(baseline.save_all(&generations[2 * i + 1]).await?),
    )
    .await
}

/// Threads checking out and returning connections as fast as they can.
const CHECKOUT_THREADS: usize = 8;

/// Our pool against mysql_async's `Pool` (connection reset off, same bound), 8 worker
/// threads each running one task that checks out and returns `n` times.
pub(crate) async fn pool_checkout(setup: &Setup, n: usize) -> Result<Outcome, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(CHECKOUT_THREADS)
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let db = setup.db.clone();
    let opts = connect_opts(setup.url.expose(), Some(&setup.database))
        .map_err(playerbot_db::mysql_async::Error::from)?;
    let bound = db.config().max_connections;
    let pool_opts = PoolOpts::new()
        .with_constraints(PoolConstraints::new(CHECKOUT_THREADS, bound).expect("valid constraints"))
        .with_reset_connection(false);
    let their_pool =
        mysql_async::Pool::new(mysql_async::OptsBuilder::from_opts(opts).pool_opts(pool_opts));

    let outcome = tokio::task::spawn_blocking(move || {
        runtime.block_on(async move {
            let ours = move || {
                let db = db.clone();
                async move { db.conn().await.map(drop) }
            };
            let theirs = {
                let pool = their_pool.clone();
                move || {
                    let pool = pool.clone();
                    async move { pool.get_conn().await.map(drop).map_err(Error::from) }
                }
            };
            // Warm both pools to one connection per thread.
            checkout_round(1, ours.clone()).await?;
            checkout_round(1, theirs.clone()).await?;

            let rounds = 4;
            let (mut our_parts, mut their_parts) = (Vec::new(), Vec::new());
            let (mut our_wall, mut their_wall) = (Duration::ZERO, Duration::ZERO);
            for _ in 0..rounds {
                let (parts, wall) = checkout_round(n / rounds, ours.clone()).await?;
                our_parts.extend(parts);
                our_wall += wall;
                let (parts, wall) = checkout_round(n / rounds, theirs.clone()).await?;
                their_parts.extend(parts);
                their_wall += wall;
            }
            their_pool.disconnect().await?;
            Ok::<_, CliError>(Outcome {
                ours: Samples::merge_parallel(our_parts, our_wall),
                baseline: Samples::merge_parallel(their_parts, their_wall),
            })
        })
    })
    .await??;
    Ok(outcome)
}

/// One task per thread, each timing `per_task` checkouts (`checkout` gets a connection and
/// returns it); the samples of every task and the wall time of the round.
async fn checkout_round<F, Fut>(
    per_task: usize,
    checkout: F,
) -> Result<(Vec<Samples>, Duration), CliError>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), Error>> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..CHECKOUT_THREADS)
        .map(|_| {
            let checkout = checkout.clone();
            tokio::spawn(async move {
                let mut samples = Samples::with_capacity(per_task);
                for _ in 0..per_task {
                    let t = Instant::now();
                    checkout().await?;
                    samples.record(t);
                }
                Ok::<_, Error>(samples)
            })
        })
        .collect();
    let mut parts = Vec::with_capacity(tasks.len());
    for task in tasks {
        parts.push(task.await??);
    }
    Ok((parts, started.elapsed()))
}
