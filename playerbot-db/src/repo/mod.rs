//! The operations on one [`Server`]: save, insert, load, load_many, delete, exists
//! (here), lookups (`lookup.rs`), scans ([`ServerScan`]), batches and live transactions
//! ([`ServerBatch`], [`ServerTransaction`]), bulk saves (`bulk/`), and the server's side of
//! deferred writes (`deferred.rs`). The public calls are [`Db`](crate::Db)'s, which routes
//! each to a server.
//!
//! Each call checks out a connection (its statements are already prepared), runs the
//! statement of the connection's dialect, and gives the connection back. An attempt that
//! fails with an error worth another one (`Error::worth_another_attempt`: a deadlock, a lock
//! wait timeout, a statement invalidated by an ALTER, a server not reached, a lost
//! connection unless the work could land twice) is run again a bounded number of times with
//! jittered backoff.

mod bulk;
mod deferred;
mod invalidations;
mod live;
mod load_many;
mod lookup;
mod point_read;
mod point_write;
mod prefix_read;
pub(crate) mod retry;
mod scan;
pub(crate) mod transaction;
pub(crate) mod validate;

pub(crate) use live::live_table;

use std::fmt::Debug;

use mysql_async::prelude::Queryable;
use mysql_async::Params;

use crate::error::Context;
use crate::pool::statement;
use crate::server::Server;
use crate::statements::guard_for;
use crate::unset::{unset_columns, without_unset};
use crate::{BotEntity, EntityMeta, Error};

pub(crate) use bulk::ordered_parts;
pub(crate) use bulk::BulkOptions;
pub use bulk::{Atomicity, BulkMode, BulkReport, Conflict, MAX_ROWS_PER_CALL};
pub(crate) use scan::ServerScan;
pub(crate) use transaction::{OpKind, ServerBatch, ServerTransaction};

fn context(meta: &'static EntityMeta, key: &dyn Debug, statement: &'static str) -> Context {
    Context {
        entity: Some(meta.entity),
        key: Some(format!("{key:?}")),
        statement: Some(statement),
        chunk: None,
    }
}

/// Runs `$body` with `$conn: &mut ServerConn` from the pool, and runs it again as
/// `Error::worth_another_attempt` allows. The connection goes back through the pool's
/// check-in, which closes it after a connection-level failure and cleans it when `$body` was
/// cancelled half way. (A macro, not a function taking an async closure, so the caller's future stays
/// `Send`.)
macro_rules! with_retry {
    ($db:expr, $idempotent:expr, |$conn:ident| $body:expr) => {{
        let db: &$crate::server::Server = $db;
        let mut attempt = 0u32;
        // An attempt whose outcome is unknown: what the call reports if no later one
        // succeeds (a retry that could not even connect proves nothing about it).
        let mut unknown: Option<$crate::Error> = None;
        loop {
            let result = async {
                let mut guard = db.lease().await?;
                let $conn = guard.server();
                let result: Result<_, $crate::Error> = $body;
                result
            }
            .await;
            match result {
                Err(err) if attempt < db.pool().config.max_retries && err.worth_another_attempt($idempotent) => {
                    attempt += 1;
                    db.pool().count_retry();
                    tracing::debug!(attempt, error = %err, "retrying");
                    if err.outcome_unknown() {
                        unknown = Some(err);
                    }
                    tokio::time::sleep($crate::repo::retry::backoff(db.pool().config.retry_base_delay, attempt)).await;
                }
                Err(err) => break Err($crate::repo::retry::settled(err, unknown)),
                ok => break ok,
            }
        }
    }};
}
pub(crate) use with_retry;

impl Server {
    /// Inserts or updates `entity` by its key (one upsert in the server's dialect). For an
    /// entity with an `auto_increment` key, a row whose key is 0 is new: the server gives it
    /// the next id (use [`insert`](Self::insert) to learn it).
    pub(crate) async fn save<E: BotEntity>(&self, entity: &E) -> Result<(), Error> {
        self.save_row(entity).await
    }

    /// Inserts `entity`; fails with a duplicate-key error (`is_duplicate_key`) if its key
    /// exists. For an entity with an `auto_increment` key, returns the row's id: the one the
    /// server gave a new row (key 0), or the key it had; `None` for other entities.
    pub(crate) async fn insert<E: BotEntity>(&self, entity: &E) -> Result<Option<u64>, Error> {
        self.write(entity, "insert", false).await
    }

    async fn write<E: BotEntity>(
        &self,
        entity: &E,
        statement: &'static str,
        upsert: bool,
    ) -> Result<Option<u64>, Error> {
        let meta = E::META;
        let plan = self.registry().plan::<E>()?;
        let key = || format!("{:?}", entity.key());
        let mut params = Some(entity.to_params());
        let checked = params.as_deref().expect("just built");
        validate::check_row(meta, plan.live().as_deref(), checked, key)?;
        // A new row is numbered by the server: written twice it would be two rows, so it is
        // never run again after a lost connection (its outcome is unknown).
        let new = meta.is_new_row(checked);
        let given_id = meta
            .auto_increment()
            .and_then(|i| mysql_async::from_value_opt::<u64>(checked[i].clone()).ok());
        // An insert whose connection was lost may or may not have been applied. It is run
        // again: success proves the first attempt did not land; a duplicate key then means
        // it may have, so the loss is reported instead (never a false success or a false
        // duplicate).
        let mut lost = false;
        // A direct write supersedes a deferred one of the same key.
        if let Some(queue) = self.behind().queue_at::<E>(plan.position) {
            queue
                .supersede(&entity.key(), self.behind().last_seq())
                .await;
        }
        // `server_default` fields that are `None` are left out of the statement.
        let unset = unset_columns(meta, checked);
        // The cache learns the saved row once the write is through; a new row's id is not
        // known before, and a row with columns left to the server differs from `entity`.
        let pending = plan
            .cache::<E>()
            .filter(|_| !new)
            .map(|cache| cache.begin_writes(vec![entity.key()]));
        let written = with_retry!(self, !new, |conn| {
            let dialect = conn.dialect();
            let live = live_table(plan, conn).await?;
            let guard = guard_for(meta, live.as_deref(), upsert)?;
            let entity_type = std::any::TypeId::of::<E>();
            let sql = self
                .texts()
                .single_row(entity_type, meta, dialect, upsert, unset, guard);
            let params = without_unset(params.take().unwrap_or_else(|| entity.to_params()), unset);
            let context = || context(meta, &entity.key(), statement);
            match statement!(conn, context, text = &*sql, |c| c
                .exec_drop(&*sql, Params::Positional(params)))
            {
                Err(err) if lost && err.is_duplicate_key() => Err(Error::from_driver(
                    mysql_async::Error::Driver(mysql_async::DriverError::ConnectionClosed),
                    context(),
                )),
                Err(err) => {
                    lost |= !upsert && err.outcome_unknown();
                    Err(validate::map_rejection(err, meta, live.as_deref(), key))
                }
                Ok(()) if new && meta.auto_increment().is_some() => Ok(conn.conn.last_insert_id()),
                Ok(()) => Ok(given_id),
            }
        });
        match (&written, pending) {
            (Ok(_), Some(pending)) => pending.finish(|_| (unset == 0).then_some(entity)),
            (Err(err), Some(pending)) => pending.fail(err),
            _ => {}
        }
        written
    }

    /// The row with `key`, or `None`.
    pub(crate) async fn load<E: BotEntity>(&self, key: &E::Key) -> Result<Option<E>, Error> {
        let plan = self.registry().keyed_plan::<E>("load")?;
        // A deferred write not yet in the server is what the key holds.
        if let Some(queued) = self
            .behind()
            .queue_at::<E>(plan.position)
            .and_then(|queue| queue.lookup(key))
        {
            return Ok(queued);
        }
        let cache = plan.cache::<E>();
        if let Some(cache) = cache {
            if let Some(hit) = cache.get(key) {
                return Ok(Some(hit));
            }
        }
        // Taken before the read: a save that starts meanwhile keeps this row out of memory.
        let ticket = cache.map(|cache| cache.ticket(key));
        let row = self.read_row::<E>(plan, key).await?;
        let loaded = row.map(E::from_row).transpose()?;
        if let (Some(cache), Some(ticket), Some(value)) = (cache, ticket, &loaded) {
            cache.fill(key, value, ticket);
        }
        Ok(loaded)
    }

    /// Deletes the row with `key`; `true` when there was one.
    pub(crate) async fn delete<E: BotEntity>(&self, key: &E::Key) -> Result<bool, Error> {
        let plan = self.registry().keyed_plan::<E>("delete")?;
        // A save still queued was the key's row for every reader: deleting it deletes a row,
        // even when the server never had one.
        let mut dropped_save = false;
        if let Some(queue) = self.behind().queue_at::<E>(plan.position) {
            dropped_save = queue.supersede(key, self.behind().last_seq()).await;
        }
        Ok(self.delete_from_queue::<E>(key).await? || dropped_save)
    }

    /// A delete that does not wait for the write-behind queue (the flusher's own).
    pub(crate) async fn delete_from_queue<E: BotEntity>(
        &self,
        key: &E::Key,
    ) -> Result<bool, Error> {
        let meta = E::META;
        let plan = self.registry().keyed_plan::<E>("delete")?;
        let pending = plan
            .cache::<E>()
            .map(|cache| cache.begin_writes(vec![key.clone()]));
        let deleted = with_retry!(self, true, |conn| {
            let sql = meta.statements(conn.dialect()).delete_by_key;
            statement!(
                conn,
                || context(meta, key, "delete_by_key"),
                text = sql,
                |c| c.exec_drop(sql, Params::Positional(E::key_params(key)))
            )?;
            Ok(conn.conn.affected_rows() > 0)
        });
        match (&deleted, pending) {
            (Ok(_), Some(pending)) => pending.finish(|_| None),
            (Err(err), Some(pending)) => pending.fail(err),
            _ => {}
        }
        deleted
    }

    /// Whether a row with `key` exists, without reading it.
    pub(crate) async fn exists<E: BotEntity>(&self, key: &E::Key) -> Result<bool, Error> {
        let meta = E::META;
        let plan = self.registry().keyed_plan::<E>("exists")?;
        if let Some(queued) = self
            .behind()
            .queue_at::<E>(plan.position)
            .and_then(|queue| queue.lookup(key))
        {
            return Ok(queued.is_some());
        }
        with_retry!(self, true, |conn| {
            let sql = E::META.statements(conn.dialect()).exists;
            let found: Option<u8> =
                statement!(conn, || context(meta, key, "exists"), text = sql, |c| c
                    .exec_first(sql, Params::Positional(E::key_params(key))))?;
            Ok(found.is_some())
        })
    }
}
