//! The end-of-run check: every shard's table holds exactly one row per bot of its range,
//! equal to the bot's last accepted state, and every replica has caught up to the same rows.
//! Read around the repository (no cache, no queue, no scan logic): the generated `SELECT` of
//! every column on a plain connection, each row decoded by the entity.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Row;
use playerbot_db::{BotEntity, Db};

use crate::error::Error;

/// How long replicas get to apply the last flush before they count as behind.
const REPLICA_WAIT: Duration = Duration::from_secs(20);

/// What the check found: nothing when the tables hold exactly every bot's last state.
#[derive(Debug)]
pub(super) struct Verdict {
    problems: Vec<String>,
}

impl Verdict {
    pub(super) fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// Adds problems found elsewhere (the nodes of a Galera cluster).
    pub(super) fn extend(&mut self, problems: Vec<String>) {
        self.problems.extend(problems);
    }

    /// What was wrong, each problem with its count; empty when the check passed.
    pub(super) fn problems(&self) -> String {
        self.problems.join("; ")
    }
}

pub(super) async fn tables_hold(
    cluster: &Db,
    last: &HashMap<u32, BotState>,
) -> Result<Verdict, Error> {
    let mut shards = Vec::with_capacity(cluster.shard_count());
    let mut behind = Vec::new();
    for shard in 0..cluster.shard_count() {
        let held = rows_of(&cluster.primary(shard)).await?;
        for (index, replica) in cluster.replicas(shard).iter().enumerate() {
            if !caught_up(replica, &held).await? {
                behind.push(format!(
                    "replica {index} of shard {shard} did not hold its shard's rows within {} s",
                    REPLICA_WAIT.as_secs()
                ));
            }
        }
        shards.push(held);
    }
    let mut problems = compare(last, &shards, |bot_id| {
        cluster.shard_of::<BotState>(&bot_id)
    });
    problems.extend(behind);
    Ok(Verdict { problems })
}

/// What differs between the rows each shard holds (`shards[n]` for shard n) and every bot's
/// last state, where `shard_of` says which shard a bot belongs on.
fn compare(
    last: &HashMap<u32, BotState>,
    shards: &[Vec<BotState>],
    shard_of: impl Fn(u32) -> usize,
) -> Vec<String> {
    let mut seen = HashSet::new();
    let (mut stale, mut misplaced, mut twice, mut unknown) = (
        Found::default(),
        Found::default(),
        Found::default(),
        Found::default(),
    );
    for (shard, rows) in shards.iter().enumerate() {
        for row in rows {
            let id = row.bot_id;
            if !seen.insert(id) {
                twice.add(id);
            }
            match last.get(&id) {
                None => unknown.add(id),
                Some(state) if state != row => stale.add(id),
                Some(_) => {}
            }
            if shard_of(id) != shard {
                misplaced.add(id);
            }
        }
    }
    let mut missing = Found::default();
    for id in last.keys().filter(|id| !seen.contains(id)) {
        missing.add(*id);
    }
    let bots = last.len();
    [
        missing.said(
            &format!("of {bots} bots has no row"),
            &format!("of {bots} bots have no row"),
        ),
        stale.said(
            "row differs from its bot's last state",
            "rows differ from their bot's last state",
        ),
        misplaced.said(
            "row is on a shard its bot is not routed to",
            "rows are on a shard their bot is not routed to",
        ),
        twice.said(
            "bot has rows on more than one shard",
            "bots have rows on more than one shard",
        ),
        unknown.said(
            "row belongs to no simulated bot",
            "rows belong to no simulated bot",
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// How many bots a problem touches, and the lowest id among them to look at first.
#[derive(Debug, Default)]
struct Found {
    count: usize,
    lowest: Option<u32>,
}

impl Found {
    fn add(&mut self, bot_id: u32) {
        self.count += 1;
        self.lowest = Some(self.lowest.map_or(bot_id, |lowest| lowest.min(bot_id)));
    }

    /// `12 rows differ …, lowest id 17`, or nothing when none did.
    fn said(&self, one: &str, many: &str) -> Option<String> {
        let lowest = self.lowest?;
        let what = if self.count == 1 { one } else { many };
        Some(format!("{} {what}, lowest id {lowest}", self.count))
    }
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

#[cfg(test)]
mod tests {
    use super::super::workload::state_of;
    use super::*;

    /// Bots 0..10 at tick 5; bots below 5 on shard 0, the rest on shard 1.
    fn last() -> HashMap<u32, BotState> {
        (0..10).map(|id| (id, state_of(id, 5))).collect()
    }

    fn route(bot_id: u32) -> usize {
        usize::from(bot_id >= 5)
    }

    fn held(ids: std::ops::Range<u32>) -> Vec<BotState> {
        ids.map(|id| state_of(id, 5)).collect()
    }

    #[test]
    fn tables_holding_every_last_state_on_its_shard_pass() {
        assert!(compare(&last(), &[held(0..5), held(5..10)], route).is_empty());
    }

    #[test]
    fn a_failure_says_how_many_bots_are_missing_or_stale_and_which_to_look_at() {
        let mut first = held(0..5);
        first.remove(3);
        first[0] = state_of(0, 4);
        let mut second = held(6..10);
        second[2] = state_of(8, 2);
        second[3] = state_of(9, 3);
        assert_eq!(
            compare(&last(), &[first, second], route),
            [
                "2 of 10 bots have no row, lowest id 3",
                "3 rows differ from their bot's last state, lowest id 0",
            ]
        );
    }

    #[test]
    fn rows_on_the_wrong_shard_twice_or_of_no_bot_are_each_named() {
        let mut second = held(4..10);
        second.push(state_of(42, 5));
        assert_eq!(
            compare(&last(), &[held(0..5), second], route),
            [
                "1 row is on a shard its bot is not routed to, lowest id 4",
                "1 bot has rows on more than one shard, lowest id 4",
                "1 row belongs to no simulated bot, lowest id 42",
            ]
        );
    }
}
