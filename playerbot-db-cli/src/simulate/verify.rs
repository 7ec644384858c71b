//! The end-of-run check: every shard's table holds exactly one row per bot of its range,
//! equal to the bot's last accepted state, and every replica has caught up to the same rows.
//! Read around the repository (no cache, no queue, no scan logic): the generated `SELECT` of
//! every column on a plain connection, each row decoded by the entity.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::cluster::Cluster;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Row;
use playerbot_db::{BotEntity, Db};

use crate::error::Error;

/// How long replicas get to apply the last flush before they count as behind.
const REPLICA_WAIT: Duration = Duration::from_secs(20);

pub(super) async fn tables_hold(
    cluster: &Cluster,
    last: &HashMap<u32, BotState>,
) -> Result<bool, Error> {
    let mut rows = 0usize;
    let mut wrong = 0usize;
    for shard in 0..cluster.shard_count() {
        let held = rows_of(cluster.primary(shard)).await?;
        rows += held.len();
        wrong += held
            .iter()
            .filter(|row| {
                last.get(&row.bot_id) != Some(*row)
                    || cluster.shard_of::<BotState>(&row.bot_id) != shard
            })
            .count();
        for (index, replica) in cluster.replicas(shard).enumerate() {
            if !caught_up(replica, &held).await? {
                eprintln!(
                    "verify: replica {index} of shard {shard} does not hold its shard's rows"
                );
                return Ok(false);
            }
        }
    }
    if rows != last.len() {
        eprintln!("verify: {rows} rows, {} bots", last.len());
        return Ok(false);
    }
    if wrong > 0 {
        eprintln!(
            "verify: {wrong} rows differ from the bots' last state or are on the wrong shard"
        );
    }
    Ok(wrong == 0)
}

async fn rows_of(db: &Db) -> Result<Vec<BotState>, Error> {
    let mut conn = db.conn().await?;
    let sql = BotState::META.statements(conn.dialect()).select_head;
    let rows: Vec<Row> = conn.query(sql).await?;
    drop(conn);
    let mut states = Vec::with_capacity(rows.len());
    for row in rows {
        states.push(BotState::from_row(row).map_err(playerbot_db::Error::from)?);
    }
    states.sort_by_key(|state| state.bot_id);
    Ok(states)
}

/// Whether `replica` holds exactly `expected` (sorted by id) within [`REPLICA_WAIT`].
async fn caught_up(replica: &Db, expected: &[BotState]) -> Result<bool, Error> {
    let started = Instant::now();
    loop {
        if rows_of(replica).await? == expected {
            return Ok(true);
        }
        if started.elapsed() > REPLICA_WAIT {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
