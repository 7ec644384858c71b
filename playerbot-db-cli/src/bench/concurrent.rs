//! Many tasks at once: `tasks` tasks each doing point loads (or saves) of random bots back
//! to back through the shared `Db` (bounded at 64 connections, coalescing), beside as many
//! hand-written mysql_async tasks each holding a connection of its own with the statement
//! prepared. Rounds of each side alternate, so drift hits both alike; throughput is the
//! calls of a round over its wall time.

use std::time::Instant;

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Conn, Params, Row};
use playerbot_db::{BotEntity, Db, Dialect, Error};
use playerbot_db_embedded::connect_opts;

use super::baseline::params;
use super::measure::Samples;
use super::scenarios::Outcome;
use super::Setup;

/// Rounds of each side.
const ROUNDS: usize = 4;

/// A bot id from a task's own xorshift sequence.
fn next_bot(state: &mut u64, bots: usize) -> u32 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state % bots as u64) as u32
}

/// What every task does, back to back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// A point load of a random bot.
    Load,
    /// A save of a random bot, its values changed (every upsert changes its row).
    Save,
}

/// The row a save writes: `side` 0 (ours) and 1 (hand-written) write different values, and
/// every call of a round a new one.
fn changed(bot: u32, call: usize, side: usize) -> BotState {
    let mut state = super::seed_state(bot);
    state.mana = (2 * call + side) as u32;
    state.updated_at += call as i64;
    state
}

/// `n` calls of `op` per side from `tasks` tasks at once, and how many calls on our side
/// each joined statement served.
pub(crate) async fn concurrent(
    setup: &Setup,
    dialect: Dialect,
    op: Op,
    tasks: usize,
    n: usize,
) -> Result<(Outcome, f64), Error> {
    let joined = |db: &Db| {
        let stats = db.coalesce_stats();
        match op {
            Op::Load => (stats.loads, stats.load_statements),
            Op::Save => (stats.saves, stats.save_statements),
        }
    };
    let before = joined(&setup.db);
    let per_task = (n / tasks / ROUNDS).max(1);
    let mut conns = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        let opts = connect_opts(setup.url.expose(), Some(&setup.database))
            .map_err(playerbot_db::mysql_async::Error::from)?;
        conns.push(Conn::new(opts).await?);
    }
    let (mut ours, mut baseline) = (Samples::default(), Samples::default());
    for round in 0..ROUNDS {
        for side in [round % 2, 1 - round % 2] {
            if side == 0 {
                let db = &setup.db;
                ours.extend(our_round(db, op, setup.bots, tasks, per_task, round).await?);
            } else {
                let (samples, back) =
                    hand_written_round(conns, dialect, op, setup.bots, per_task, round).await?;
                conns = back;
                baseline.extend(samples);
            }
        }
    }
    for conn in conns {
        conn.disconnect().await.ok();
    }
    let after = joined(&setup.db);
    let per_statement = (after.0 - before.0) as f64 / (after.1 - before.1).max(1) as f64;
    Ok((Outcome { ours, baseline }, per_statement))
}

async fn our_round(
    db: &Db,
    op: Op,
    bots: usize,
    tasks: usize,
    per_task: usize,
    round: usize,
) -> Result<Samples, Error> {
    let started = Instant::now();
    let running: Vec<_> = (0..tasks)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut state = seed(task, round);
                let mut samples = Samples::with_capacity(per_task);
                for i in 0..per_task {
                    let bot = next_bot(&mut state, bots);
                    let call = (round * per_task + i) * tasks + task;
                    let at = Instant::now();
                    match op {
                        Op::Load => {
                            db.load::<BotState>(&bot).await?;
                        }
                        Op::Save => db.save(&changed(bot, call, 0)).await?,
                    }
                    samples.record(at);
                }
                Ok::<_, Error>(samples)
            })
        })
        .collect();
    let mut parts = Vec::with_capacity(tasks);
    for task in running {
        parts.push(task.await.expect("a benchmark task")?);
    }
    Ok(Samples::merge_parallel(parts, started.elapsed()))
}

/// The hand-written side: each task its own connection and prepared statement.
async fn hand_written_round(
    conns: Vec<Conn>,
    dialect: Dialect,
    op: Op,
    bots: usize,
    per_task: usize,
    round: usize,
) -> Result<(Samples, Vec<Conn>), Error> {
    let statements = BotState::META.statements(dialect);
    let sql = match op {
        Op::Load => statements.select_by_key,
        Op::Save => statements.upsert,
    };
    let tasks = conns.len();
    let started = Instant::now();
    let running: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(task, mut conn)| {
            tokio::spawn(async move {
                let prepared = conn.prep(sql).await?;
                let mut state = seed(task, round);
                let mut samples = Samples::with_capacity(per_task);
                for i in 0..per_task {
                    let bot = next_bot(&mut state, bots);
                    let call = (round * per_task + i) * tasks + task;
                    let at = Instant::now();
                    match op {
                        Op::Load => {
                            let row: Option<Row> = conn.exec_first(&prepared, (bot,)).await?;
                            let _ = row.map(BotState::from_row).transpose()?;
                        }
                        Op::Save => {
                            let row = changed(bot, call, 1);
                            conn.exec_drop(&prepared, Params::Positional(params(&row)))
                                .await?;
                        }
                    }
                    samples.record(at);
                }
                Ok::<_, Error>((samples, conn))
            })
        })
        .collect();
    let (mut parts, mut back) = (Vec::new(), Vec::new());
    for task in running {
        let (samples, conn) = task.await.expect("a benchmark task")?;
        parts.push(samples);
        back.push(conn);
    }
    Ok((Samples::merge_parallel(parts, started.elapsed()), back))
}

fn seed(task: usize, round: usize) -> u64 {
    (task as u64 + 1)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(round as u64)
        | 1
}
