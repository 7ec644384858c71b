//! The floor: hand-written mysql_async code on a held connection with prepared statements,
//! the way a careful author would write it without this library. Same tables, same SQL.

use playerbot_db::bots::{BotEvent, BotState};
use playerbot_db::mysql_async::prelude::{FromValue, Queryable};
use playerbot_db::mysql_async::{Conn, Error, Params, Row, Statement, Value};

use super::Setup;
use playerbot_db::{BotEntity, Dialect};
use playerbot_db_embedded::connect_opts;

pub(crate) struct Baseline {
    conn: Conn,
    select: Statement,
    upsert: Statement,
    select_100: Statement,
    /// 1,000-row upsert, for servers without bulk execute.
    upsert_1000: Statement,
    /// One bot's events, written by hand.
    select_events: Statement,
    mariadb: bool,
}

impl Baseline {
    pub(crate) async fn connect(setup: &Setup, dialect: Dialect) -> Result<Baseline, Error> {
        let opts = connect_opts(setup.url.expose(), Some(&setup.database))?;
        let mut conn = Conn::new(opts).await?;
        let sql = BotState::META.statements(dialect);
        let select = conn.prep(sql.select_by_key).await?;
        let upsert = conn.prep(sql.upsert).await?;
        let in_list = vec!["?"; 100].join(", ");
        let select_100 = conn
            .prep(format!("{} WHERE `bot_id` IN ({in_list})", sql.select_head))
            .await?;
        let rows = vec![sql.row_placeholders; 1000].join(", ");
        let upsert_1000 = conn
            .prep(format!("{}{rows}{}", sql.insert_head, sql.upsert_tail))
            .await?;
        let select_events = conn
            .prep(
                "SELECT `bot_id`, `event`, `value`, `expires_at` FROM `bot_event` \
                 WHERE `bot_id` = ? ORDER BY `bot_id`, `event`",
            )
            .await?;
        let mariadb = dialect == Dialect::MariaDb;
        Ok(Baseline {
            conn,
            select,
            upsert,
            select_100,
            upsert_1000,
            select_events,
            mariadb,
        })
    }

    pub(crate) async fn load(&mut self, bot_id: u32) -> Result<Option<BotState>, Error> {
        let row: Option<Row> = self.conn.exec_first(&self.select, (bot_id,)).await?;
        Ok(row.map(decode))
    }

    pub(crate) async fn save(&mut self, s: &BotState) -> Result<(), Error> {
        self.conn
            .exec_drop(&self.upsert, Params::Positional(params(s)))
            .await
    }

    /// All rows in one transaction: bulk execute on MariaDB, else 1,000-row statements
    /// (`rows.len()` a multiple of 1,000 there).
    pub(crate) async fn save_all(&mut self, rows: &[BotState]) -> Result<(), Error> {
        self.conn.query_drop("START TRANSACTION").await?;
        if self.mariadb {
            self.conn
                .exec_batch(
                    &self.upsert,
                    rows.iter().map(|s| Params::Positional(params(s))),
                )
                .await?;
        } else {
            for chunk in rows.chunks(1000) {
                let flat: Vec<Value> = chunk.iter().flat_map(params).collect();
                self.conn
                    .exec_drop(&self.upsert_1000, Params::Positional(flat))
                    .await?;
            }
        }
        self.conn.query_drop("COMMIT").await
    }

    pub(crate) async fn load_100(&mut self, ids: &[u32]) -> Result<Vec<BotState>, Error> {
        let params: Vec<Value> = ids.iter().map(|&id| Value::from(id)).collect();
        let rows: Vec<Row> = self
            .conn
            .exec(&self.select_100, Params::Positional(params))
            .await?;
        Ok(rows.into_iter().map(decode).collect())
    }
}

impl Baseline {
    /// Every event of one bot, in key order.
    pub(crate) async fn load_events(&mut self, bot_id: u32) -> Result<Vec<BotEvent>, Error> {
        let rows: Vec<Row> = self.conn.exec(&self.select_events, (bot_id,)).await?;
        Ok(rows
            .into_iter()
            .map(|mut row| BotEvent {
                bot_id: take(&mut row, 0),
                event: take(&mut row, 1),
                value: take(&mut row, 2),
                expires_at: take(&mut row, 3),
            })
            .collect())
    }
}

/// A row's params in column order, written out by hand.
pub(crate) fn params(s: &BotState) -> Vec<Value> {
    vec![
        Value::from(s.bot_id),
        Value::from(s.map_id),
        Value::from(s.zone_id),
        Value::from(s.x),
        Value::from(s.y),
        Value::from(s.z),
        Value::from(s.orientation),
        Value::from(s.health),
        Value::from(s.mana),
        Value::from(s.level),
        Value::from(s.flags),
        Value::from(s.updated_at),
    ]
}

fn decode(mut row: Row) -> BotState {
    BotState {
        bot_id: take(&mut row, 0),
        map_id: take(&mut row, 1),
        zone_id: take(&mut row, 2),
        x: take(&mut row, 3),
        y: take(&mut row, 4),
        z: take(&mut row, 5),
        orientation: take(&mut row, 6),
        health: take(&mut row, 7),
        mana: take(&mut row, 8),
        level: take(&mut row, 9),
        flags: take(&mut row, 10),
        updated_at: take(&mut row, 11),
    }
}

fn take<T: FromValue>(row: &mut Row, index: usize) -> T {
    row.take(index).expect("bot_state column")
}
