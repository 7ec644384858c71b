//! Many tasks at once: `tasks` tasks each doing point loads of random bots back to back
//! through the shared `Db` (bounded at 64 connections, loads coalescing), beside as many
//! hand-written mysql_async tasks each holding a connection of its own with the statement
//! prepared. Rounds of each side alternate, so drift hits both alike; throughput is the
//! loads of a round over its wall time.

use std::time::Instant;

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Conn, Row};
use playerbot_db::{BotEntity, Db, Dialect, Error};
use playerbot_db_embedded::connect_opts;

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

/// `n` point loads per side from `tasks` tasks at once.
pub(crate) async fn concurrent_load(
    setup: &Setup,
    dialect: Dialect,
    tasks: usize,
    n: usize,
) -> Result<Outcome, Error> {
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
                ours.extend(our_round(&setup.db, setup.bots, tasks, per_task, round).await?);
            } else {
                let (samples, back) =
                    hand_written_round(conns, dialect, setup.bots, per_task, round).await?;
                conns = back;
                baseline.extend(samples);
            }
        }
    }
    for conn in conns {
        conn.disconnect().await.ok();
    }
    Ok(Outcome { ours, baseline })
}

async fn our_round(
    db: &Db,
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
                for _ in 0..per_task {
                    let bot = next_bot(&mut state, bots);
                    let at = Instant::now();
                    db.load::<BotState>(&bot).await?;
                    samples.record(at);
                }
                Ok::<_, Error>(samples)
            })
        })
        .collect();
    let mut parts = Vec::with_capacity(tasks);
    for task in running {
        parts.push(task.await.expect("a load task")?);
    }
    Ok(Samples::merge_parallel(parts, started.elapsed()))
}

/// The hand-written side: each task its own connection and prepared statement.
async fn hand_written_round(
    conns: Vec<Conn>,
    dialect: Dialect,
    bots: usize,
    per_task: usize,
    round: usize,
) -> Result<(Samples, Vec<Conn>), Error> {
    let sql = BotState::META.statements(dialect).select_by_key;
    let started = Instant::now();
    let running: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(task, mut conn)| {
            tokio::spawn(async move {
                let select = conn.prep(sql).await?;
                let mut state = seed(task, round);
                let mut samples = Samples::with_capacity(per_task);
                for _ in 0..per_task {
                    let bot = next_bot(&mut state, bots);
                    let at = Instant::now();
                    let row: Option<Row> = conn.exec_first(&select, (bot,)).await?;
                    let _ = row.map(BotState::from_row).transpose()?;
                    samples.record(at);
                }
                Ok::<_, Error>((samples, conn))
            })
        })
        .collect();
    let (mut parts, mut back) = (Vec::new(), Vec::new());
    for task in running {
        let (samples, conn) = task.await.expect("a load task")?;
        parts.push(samples);
        back.push(conn);
    }
    Ok((Samples::merge_parallel(parts, started.elapsed()), back))
}

fn seed(task: usize, round: usize) -> u64 {
    ((task as u64 + 1) * 0x9e37_79b9_7f4a_7c15 + round as u64) | 1
}
