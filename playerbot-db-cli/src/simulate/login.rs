//! The login storm: every bot logs in at once as a task of its own, as a game server's
//! bots do at start — each loads its state, its events and its AI values. The caches are
//! emptied first, so every load asks the server; then what each bot got is checked against
//! the tables, read around the repository.

use std::collections::HashMap;
use std::time::Instant;

use playerbot_db::bots::{AiValue, BotEvent, BotState};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Row;
use playerbot_db::{BotEntity, CoalesceStats, Db};

use crate::error::Error;

/// What the storm took and found.
#[derive(Debug)]
pub(super) struct Login {
    pub(super) bots: usize,
    /// From the first task spawned until the last bot had all its rows.
    pub(super) ms: f64,
    /// Statements the servers ran meanwhile (their `Com_stmt_execute`, over every shard).
    pub(super) statements: u64,
    /// Loads and lookups served by joined statements, and those statements.
    pub(super) joined: CoalesceStats,
    /// Bots that got something other than the tables hold.
    pub(super) problems: Vec<String>,
}

/// One bot's login: its state, events and AI values.
type LoggedIn = (u32, Option<BotState>, Vec<BotEvent>, Vec<AiValue>);

pub(super) async fn storm(db: &Db, last: &HashMap<u32, BotState>) -> Result<Login, Error> {
    db.clear_cache::<BotState>()?;
    db.clear_cache::<AiValue>()?;
    let statements_before = statements_run(db).await?;
    let joined_before = db.coalesce_stats();
    let started = Instant::now();
    let tasks: Vec<_> = last
        .keys()
        .map(|&bot| {
            let db = db.clone();
            tokio::spawn(async move {
                // One read after another, as a login does (all three at once measured no
                // faster: 131-166 ms for the storm, against 97-154 ms).
                let state = db.load::<BotState>(&bot).await?;
                let events = db.load_by(&BotEvent::by_bot_id(bot)).await?;
                let values = db.load_by(&AiValue::by_bot_id(bot)).await?;
                Ok::<LoggedIn, playerbot_db::Error>((bot, state, events, values))
            })
        })
        .collect();
    let mut logged_in = Vec::with_capacity(tasks.len());
    for task in tasks {
        logged_in.push(task.await.expect("a login task")?);
    }
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let statements = statements_run(db).await?.saturating_sub(statements_before);
    let joined_after = db.coalesce_stats();
    let joined = CoalesceStats {
        loads: joined_after.loads - joined_before.loads,
        load_statements: joined_after.load_statements - joined_before.load_statements,
        lookups: joined_after.lookups - joined_before.lookups,
        lookup_statements: joined_after.lookup_statements - joined_before.lookup_statements,
        ..CoalesceStats::default()
    };
    let problems = check(db, last, &logged_in).await?;
    Ok(Login {
        bots: logged_in.len(),
        ms,
        statements,
        joined,
        problems,
    })
}

/// Bots whose login differs from the tables: state, events or AI values.
async fn check(
    db: &Db,
    last: &HashMap<u32, BotState>,
    logged_in: &[LoggedIn],
) -> Result<Vec<String>, Error> {
    let events = rows_by_bot::<BotEvent>(db, |event| event.bot_id).await?;
    let values = rows_by_bot::<AiValue>(db, |value| value.bot_id).await?;
    let (mut states_wrong, mut events_wrong, mut values_wrong) = (0, 0, 0);
    for (bot, state, got_events, got_values) in logged_in {
        states_wrong += usize::from(state.as_ref() != last.get(bot));
        events_wrong += usize::from(!same(got_events, events.get(bot)));
        values_wrong += usize::from(!same(got_values, values.get(bot)));
    }
    Ok([
        (states_wrong, "state"),
        (events_wrong, "events"),
        (values_wrong, "AI values"),
    ]
    .into_iter()
    .filter(|&(count, _)| count > 0)
    .map(|(count, what)| format!("{count} bots logged in with {what} the tables do not hold"))
    .collect())
}

/// Whether a bot's rows are exactly the ones held (in any order).
fn same<E: BotEntity + PartialEq>(got: &[E], held: Option<&Vec<E>>) -> bool {
    let held = held.map_or(&[][..], Vec::as_slice);
    got.len() == held.len() && got.iter().all(|row| held.contains(row))
}

/// Every row of `E` on every shard, by bot, read on plain connections.
async fn rows_by_bot<E: BotEntity>(
    db: &Db,
    bot_of: impl Fn(&E) -> u32,
) -> Result<HashMap<u32, Vec<E>>, Error> {
    let mut by_bot: HashMap<u32, Vec<E>> = HashMap::new();
    for shard in 0..db.shard_count() {
        let mut conn = db.primary(shard).conn().await?;
        let sql = E::META.statements(conn.dialect()).select_head;
        let rows: Vec<Row> = conn.query(sql).await?;
        for row in rows {
            let row = E::from_row(row).map_err(playerbot_db::Error::from)?;
            by_bot.entry(bot_of(&row)).or_default().push(row);
        }
    }
    Ok(by_bot)
}

/// Prepared statements every shard's primary has run so far.
async fn statements_run(db: &Db) -> Result<u64, Error> {
    let mut total = 0;
    for shard in 0..db.shard_count() {
        let mut conn = db.primary(shard).conn().await?;
        let row: Option<(String, u64)> = conn
            .query_first("SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'")
            .await?;
        total += row.map_or(0, |(_, count)| count);
    }
    Ok(total)
}
