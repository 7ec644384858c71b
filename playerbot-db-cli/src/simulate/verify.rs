//! The end-of-run check: the table holds exactly one row per bot, equal to its last accepted
//! state. Read around the repository (no cache, no queue, no scan logic): the generated
//! `SELECT` of every column on a plain connection, each row decoded by the entity.

use std::collections::HashMap;

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Row;
use playerbot_db::{BotEntity, Db};

use crate::error::Error;

pub(super) async fn table_holds(db: &Db, last: &HashMap<u32, BotState>) -> Result<bool, Error> {
    let mut conn = db.conn().await?;
    let sql = BotState::META.statements(conn.dialect()).select_head;
    let rows: Vec<Row> = conn.query(sql).await?;
    drop(conn);
    if rows.len() != last.len() {
        eprintln!("verify: {} rows, {} bots", rows.len(), last.len());
        return Ok(false);
    }
    let mut wrong = 0usize;
    for row in rows {
        let state = BotState::from_row(row).map_err(playerbot_db::Error::from)?;
        if last.get(&state.bot_id) != Some(&state) {
            wrong += 1;
        }
    }
    if wrong > 0 {
        eprintln!("verify: {wrong} rows differ from the bots' last state");
    }
    Ok(wrong == 0)
}
