//! Loading many rows by key in few round trips.

use std::collections::HashMap;

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row};

use super::{context, with_retry};
use crate::cache::Ticket;
use crate::chunking::chunk_sizes;
use crate::pool::{statement, ServerConn};
use crate::registry::{EntityPlan, LOAD_MANY_SIZES};
use crate::server::Server;
use crate::{BotEntity, Error};

impl Server {
    /// The rows with `keys`, in the order of `keys`: `None` where no row has that key.
    ///
    /// Keys are sent in `IN (…)` lists of a few prepared sizes (up to 256 keys a statement;
    /// the last list is padded by repeating a key), so a call of any length uses statements
    /// prepared when the connection opened. Repeated keys get the same row.
    ///
    /// On a table whose key collation ignores case, accents or trailing spaces (an adopted
    /// `utf8mb3_general_ci` key, say), the server finds a row by any key it considers equal,
    /// as [`load`](Self::load) does; a requested key that is not byte-equal to a returned
    /// row's key is then asked for with the point select, so both calls always agree.
    pub(crate) async fn load_many<E: BotEntity + Clone>(
        &self,
        keys: &[E::Key],
    ) -> Result<Vec<Option<E>>, Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let plan = self.registry().keyed_plan::<E>("load_many")?;
        if let Some(queue) = self.behind().queue_at::<E>(plan.position) {
            return self.load_many_queued(plan, queue, keys).await;
        }
        self.load_many_unqueued(plan, keys).await
    }

    /// `load_many` from memory and the server.
    async fn load_many_unqueued<E: BotEntity + Clone>(
        &self,
        plan: &EntityPlan,
        keys: &[E::Key],
    ) -> Result<Vec<Option<E>>, Error> {
        let Some(cache) = plan.cache::<E>() else {
            let found = self.load_many_from_server::<E>(plan, keys).await?;
            return Ok(keys.iter().map(|key| found.get(key).cloned()).collect());
        };
        // Hits from memory; only the misses go to the server, each with its ticket.
        let mut loaded: Vec<Option<E>> = keys.iter().map(|key| cache.get(key)).collect();
        let missing: Vec<usize> = (0..keys.len()).filter(|&i| loaded[i].is_none()).collect();
        if missing.is_empty() {
            return Ok(loaded);
        }
        let missing_keys: Vec<E::Key> = missing.iter().map(|&i| keys[i].clone()).collect();
        let tickets: Vec<Ticket> = missing_keys.iter().map(|key| cache.ticket(key)).collect();
        let found = self.load_many_from_server::<E>(plan, &missing_keys).await?;
        for (key, ticket) in missing_keys.iter().zip(tickets) {
            if let Some(value) = found.get(key) {
                cache.fill(key, value, ticket);
            }
        }
        for (&i, key) in missing.iter().zip(&missing_keys) {
            loaded[i] = found.get(key).cloned();
        }
        Ok(loaded)
    }

    /// `load_many` when deferred writes may be queued: keys with one get it, the others are
    /// loaded as usual.
    async fn load_many_queued<E: BotEntity + Clone>(
        &self,
        plan: &EntityPlan,
        queue: &crate::behind::Queue<E>,
        keys: &[E::Key],
    ) -> Result<Vec<Option<E>>, Error> {
        let queued: Vec<Option<Option<E>>> = keys.iter().map(|key| queue.lookup(key)).collect();
        let rest: Vec<E::Key> = keys
            .iter()
            .zip(&queued)
            .filter(|(_, queued)| queued.is_none())
            .map(|(key, _)| key.clone())
            .collect();
        let mut loaded = if rest.is_empty() {
            Vec::new()
        } else {
            self.load_many_unqueued::<E>(plan, &rest).await?
        }
        .into_iter();
        Ok(queued
            .into_iter()
            .map(|queued| queued.unwrap_or_else(|| loaded.next().flatten()))
            .collect())
    }

    /// The rows with `keys` as the server has them, by requested key.
    async fn load_many_from_server<E: BotEntity + Clone>(
        &self,
        plan: &EntityPlan,
        keys: &[E::Key],
    ) -> Result<HashMap<E::Key, E>, Error> {
        let meta = E::META;
        with_retry!(self, true, |conn| {
            let dialect = conn.dialect();
            let mut found = HashMap::with_capacity(keys.len());
            select_in::<E>(conn, plan, keys, |row| {
                let entity = E::from_row(row)?;
                found.insert(entity.key(), entity);
                Ok(())
            })
            .await?;
            // Keys the server may have matched to a differently spelled stored key.
            if !plan.exact_keys() && !found.is_empty() {
                let mut asked: HashMap<E::Key, Option<E>> = HashMap::new();
                for key in keys.iter().filter(|key| !found.contains_key(*key)) {
                    if asked.contains_key(key) {
                        continue;
                    }
                    let sql = meta.statements(dialect).select_by_key;
                    let row: Option<Row> =
                        statement!(conn, || context(meta, key, "load_many"), text = sql, |c| c
                            .exec_first(sql, Params::Positional(E::key_params(key))))?;
                    asked.insert(key.clone(), row.map(E::from_row).transpose()?);
                }
                found.extend(asked.into_iter().filter_map(|(key, row)| Some((key, row?))));
            }
            Ok(found)
        })
    }
}

/// Runs `plan`'s `IN (…)` statements for `keys` on `conn` (lists of the prepared sizes, the
/// last padded by repeating a key), handing every row found to `each`.
pub(super) async fn select_in<E: BotEntity>(
    conn: &mut ServerConn,
    plan: &EntityPlan,
    keys: &[E::Key],
    mut each: impl FnMut(Row) -> Result<(), Error>,
) -> Result<(), Error> {
    let meta = E::META;
    let key_columns = meta.key_columns().count();
    let dialect = conn.dialect();
    let mut offset = 0;
    for (size_index, taken) in chunk_sizes(keys.len(), &LOAD_MANY_SIZES) {
        let chunk = &keys[offset..offset + taken];
        let size = LOAD_MANY_SIZES[size_index];
        let mut params = Vec::with_capacity(size * key_columns);
        for key in chunk
            .iter()
            .chain(std::iter::repeat(&chunk[taken - 1]))
            .take(size)
        {
            params.extend(E::key_params(key));
        }
        let sql = plan.load_many(dialect, size_index);
        let rows: Vec<Row> = statement!(
            conn,
            || context(meta, &chunk[0], "load_many"),
            text = sql,
            |c| c.exec(sql, Params::Positional(params))
        )?;
        for row in rows {
            each(row)?;
        }
        offset += taken;
    }
    Ok(())
}
