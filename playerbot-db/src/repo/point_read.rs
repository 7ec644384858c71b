//! A point load's trip to the server. While one load of the entity is at the server, loads
//! of other tasks join the next statement (`coalesce.rs`): the first of them runs one
//! `IN (…)` statement for all, and each gets its own row. A load that finds none running
//! goes at once.

use std::collections::HashMap;

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row};

use super::load_many::select_in;
use super::{context, with_retry};
use crate::coalesce::{Answer, Turn};
use crate::pool::statement;
use crate::registry::EntityPlan;
use crate::server::Server;
use crate::{BotEntity, Error};

impl Server {
    /// The row with `key` as the server has it.
    pub(super) async fn read_row<E: BotEntity>(
        &self,
        plan: &EntityPlan,
        key: &E::Key,
    ) -> Result<Option<Row>, Error> {
        let Some((gate, cap)) = plan.load_gate::<E>() else {
            return self.select_row::<E>(key).await;
        };
        let waiting = match gate.enter(key.clone(), cap) {
            Turn::Alone(running) => {
                let row = self.select_row::<E>(key).await;
                // The loads that joined meanwhile go next, led by the first of them.
                drop(running);
                return row;
            }
            Turn::Joined(waiting) => waiting,
        };
        match waiting.await {
            Ok(Answer::Found(row)) => Ok(row),
            Ok(Answer::Lead(batch)) => {
                let mut keys = Vec::with_capacity(batch.keys().size_hint().0 + 1);
                keys.push(key.clone());
                keys.extend(batch.keys().cloned());
                // Failed, the batch is dropped: its loads go alone and meet their own
                // errors (or succeed).
                let mut found = self.select_rows::<E>(plan, &keys).await?;
                batch.answer(|asked| found.get(asked).cloned());
                Ok(found.remove(key))
            }
            // The statement failed, or its runner was dropped before it answered.
            Ok(Answer::GoAlone) | Err(_) => self.select_row::<E>(key).await,
        }
    }

    /// One point select, run again as the retry rules allow.
    async fn select_row<E: BotEntity>(&self, key: &E::Key) -> Result<Option<Row>, Error> {
        let meta = E::META;
        with_retry!(self, true, |conn| {
            let sql = meta.statements(conn.dialect()).select_by_key;
            statement!(
                conn,
                || context(meta, key, "select_by_key"),
                text = sql,
                |c| c.exec_first(sql, Params::Positional(E::key_params(key)))
            )
        })
    }

    /// The rows with `keys`, by key, in `IN (…)` statements (exact keys only: a row is
    /// filed under the key it holds).
    async fn select_rows<E: BotEntity>(
        &self,
        plan: &EntityPlan,
        keys: &[E::Key],
    ) -> Result<HashMap<E::Key, Row>, Error> {
        with_retry!(self, true, |conn| {
            let mut found = HashMap::with_capacity(keys.len());
            select_in::<E>(conn, plan, keys, |row| {
                let key = E::from_row(row.clone())?.key();
                found.insert(key, row);
                Ok(())
            })
            .await?;
            Ok(found)
        })
    }
}
