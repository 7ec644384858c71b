//! Transactions: batches committed as one ([`ServerBatch`]) and live ones ([`ServerTransaction`]).

use std::fmt::Debug;

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row, Value};
use playerbot_db_sql::session;

use super::invalidations::{InvalidateOnDrop, Invalidations};
use super::{context, live_table, validate, with_retry};
use crate::error::{code, Context};
use crate::pool::{statement, Busy, PooledConn, ServerConn};
use crate::registry::Registry;
use crate::server::Server;
use crate::statements::{guard_for, RowSql, StatementTexts};
use crate::unset::{unset_columns, without_unset};
use crate::{BotEntity, EntityMeta, Error};

/// What one write of a batch or transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Upsert,
    Insert,
    Delete,
}

#[derive(Debug)]
struct TxOp {
    entity: std::any::TypeId,
    meta: &'static EntityMeta,
    kind: OpKind,
    params: Vec<Value>,
    key: Box<dyn Debug + Send + Sync>,
    /// The same key, for the write-behind queue of its entity.
    any_key: Box<dyn std::any::Any + Send + Sync>,
}

/// Writes collected first and committed as one transaction by [`ServerBatch::commit`]. Because
/// the batch holds plain values, a deadlock or lock wait timeout simply runs it again (up
/// to the retry bound), as does a lost connection unless the batch has plain inserts.
#[derive(Debug)]
#[must_use = "a batch does nothing until it is committed"]
pub(crate) struct ServerBatch<'db> {
    db: &'db Server,
    ops: Vec<TxOp>,
    /// The cached keys the batch writes.
    cached: Invalidations,
}

impl Server {
    /// Starts a batch: writes collected in memory, then sent and committed as one
    /// transaction by [`ServerBatch::commit`]. For reads and writes that depend on each other
    /// use a live transaction, [`begin`](Self::begin).
    pub(crate) fn batch(&self) -> ServerBatch<'_> {
        ServerBatch {
            db: self,
            ops: Vec::new(),
            cached: Invalidations::default(),
        }
    }

    /// Starts a transaction on a connection of its own, for reads and writes that depend on
    /// each other. It is rolled back unless committed, also when dropped; it is not retried
    /// automatically (use [`Error::is_retryable`] to decide).
    pub(crate) async fn begin(&self) -> Result<ServerTransaction, Error> {
        let mut conn = self.lease().await?;
        begin_on(conn.server(), "begin").await?;
        Ok(ServerTransaction {
            db: self.clone(),
            conn,
            ended: None,
            cached: Invalidations::default(),
            committing: false,
        })
    }
}

impl ServerBatch<'_> {
    /// Adds a write of `key` with `params` (the row's, or the key's for a delete).
    pub(crate) fn push<E: BotEntity>(
        &mut self,
        kind: OpKind,
        params: Vec<Value>,
        key: E::Key,
    ) -> &mut Self {
        self.cached.note::<E>(self.db.registry(), &key);
        self.ops.push(TxOp {
            entity: std::any::TypeId::of::<E>(),
            meta: E::META,
            kind,
            params,
            key: Box::new(key.clone()),
            any_key: Box::new(key),
        });
        self
    }

    /// Runs every write in order inside one transaction; on any error nothing is applied.
    pub(crate) async fn commit(self) -> Result<(), Error> {
        for op in self.ops.iter().filter(|op| op.kind != OpKind::Delete) {
            let live = self.db.registry().live_of(op.meta);
            validate::check_row(op.meta, live.as_deref(), &op.params, || {
                format!("{:?}", op.key)
            })?;
        }
        // Direct writes supersede deferred ones of their keys (see `Db::save_deferred`).
        let seq = self.db.behind().last_seq();
        for op in &self.ops {
            if let Some(queue) = self.db.behind().queue_by_type(op.entity) {
                queue.supersede_any(&*op.any_key, seq).await;
            }
        }
        for op in &self.ops {
            self.db.registry().check(op.entity, op.meta)?;
            if op.kind == OpKind::Delete && op.meta.is_append_only() {
                return Err(Error::NoKey {
                    entity: op.meta.entity,
                    call: "delete",
                });
            }
        }
        // Inserts and new rows of an `auto_increment` entity must not run twice.
        let idempotent = self
            .ops
            .iter()
            .all(|op| op.kind != OpKind::Insert && !op.meta.is_new_row(&op.params));
        let ops = &self.ops;
        // Memory forgets the keys again once the batch is over, however it ends.
        let mut forget = InvalidateOnDrop {
            invalidations: &self.cached,
            registry: self.db.registry(),
            unsettled: true,
        };
        let committed = with_retry!(self.db, idempotent, |conn| run_ops(
            conn,
            self.db.registry(),
            self.db.texts(),
            ops
        )
        .await);
        forget.unsettled = committed.as_ref().is_err_and(Error::outcome_unknown);
        committed
    }
}

/// `START TRANSACTION`, with the connection marked as inside a transaction before the
/// statement is sent: from then on, until a `COMMIT` or `ROLLBACK` completes, a connection
/// that comes back goes through the recycler's rollback.
pub(crate) async fn begin_on(conn: &mut ServerConn, name: &'static str) -> Result<(), Error> {
    conn.state.enter(Busy::Transaction);
    let context = || Context {
        statement: Some(name),
        ..Context::default()
    };
    statement!(conn, context, text = session::START_TRANSACTION, |c| c
        .query_drop(session::START_TRANSACTION))
}

/// `COMMIT`; the transaction mark is cleared only once the server has answered.
pub(crate) async fn commit_on(conn: &mut ServerConn, name: &'static str) -> Result<(), Error> {
    let context = || Context {
        statement: Some(name),
        ..Context::default()
    };
    statement!(conn, context, text = session::COMMIT, |c| c
        .query_drop(session::COMMIT))?;
    conn.state.leave(Busy::Transaction);
    Ok(())
}

/// Rolls back after a failed statement; a connection that cannot even do that is closed.
pub(crate) async fn roll_back(conn: &mut ServerConn, cause: &Error) {
    if cause.is_connection_lost() || matches!(cause, Error::StatementTimeout { .. }) {
        conn.broken = true;
        return;
    }
    let context = || Context {
        statement: Some("rollback"),
        ..Context::default()
    };
    match statement!(conn, context, text = session::ROLLBACK, |c| c
        .query_drop(session::ROLLBACK))
    {
        Ok(()) => conn.state.leave(Busy::Transaction),
        Err(_) => conn.broken = true,
    }
}

async fn run_ops(
    conn: &mut ServerConn,
    registry: &Registry,
    texts: &StatementTexts,
    ops: &[TxOp],
) -> Result<(), Error> {
    begin_on(conn, "transaction").await?;
    let dialect = conn.dialect();
    for op in ops {
        let sql = op.meta.statements(dialect);
        let unset = match op.kind {
            OpKind::Delete => 0,
            _ => unset_columns(op.meta, &op.params),
        };
        let (sql, name, live) = match op.kind {
            OpKind::Upsert | OpKind::Insert => {
                let upsert = op.kind == OpKind::Upsert;
                let plan = registry
                    .plan_by_type(op.entity)
                    .ok_or(Error::NotRegistered {
                        entity: op.meta.entity,
                    })?;
                let live = live_table(plan, conn).await?;
                let guard = guard_for(op.meta, live.as_deref(), upsert)?;
                let text = texts.single_row(op.entity, op.meta, dialect, upsert, unset, guard);
                (text, if upsert { "upsert" } else { "insert" }, live)
            }
            OpKind::Delete => (RowSql::Generated(sql.delete_by_key), "delete_by_key", None),
        };
        let params = Params::Positional(without_unset(op.params.clone(), unset));
        let done = statement!(
            conn,
            || context(op.meta, &op.key, name),
            text = &*sql,
            |c| c.exec_drop(&*sql, params)
        );
        if let Err(err) = done {
            let err =
                validate::map_rejection(err, op.meta, live.as_deref(), || format!("{:?}", op.key));
            roll_back(conn, &err).await;
            return Err(err);
        }
    }
    if let Err(err) = commit_on(conn, "transaction").await {
        roll_back(conn, &err).await;
        return Err(err);
    }
    Ok(())
}

/// An open transaction on one connection. Rolled back unless [`commit`](Self::commit)ted,
/// also when dropped (by the pool's recycler, before anyone else gets the connection). It
/// owns its share of the pool, so it can move into a spawned task.
///
/// When the server ends the transaction itself (a deadlock, or a lock wait timeout with
/// `innodb_rollback_on_timeout`), every later call fails with
/// [`Error::TransactionRolledBack`]: writes never silently continue outside it.
#[derive(Debug)]
pub(crate) struct ServerTransaction {
    db: Server,
    conn: PooledConn,
    /// Set once the server has rolled the transaction back: the error code that did it.
    ended: Option<u16>,
    /// The cached keys it writes, forgotten by memory again when it ends.
    cached: Invalidations,
    /// A COMMIT was sent and has not come back with a known outcome.
    committing: bool,
}

impl Drop for ServerTransaction {
    /// Memory forgets what the transaction wrote; when a COMMIT was sent and its outcome is
    /// unknown (cancelled, connection lost), also for a while after.
    fn drop(&mut self) {
        self.cached.run(self.db.registry(), self.committing);
    }
}

impl ServerTransaction {
    /// Upserts `entity` inside the transaction.
    pub(crate) async fn save<E: BotEntity>(&mut self, entity: &E) -> Result<(), Error> {
        self.write(entity, OpKind::Upsert).await
    }

    /// Inserts `entity` inside the transaction (a duplicate key is an error).
    pub(crate) async fn insert<E: BotEntity>(&mut self, entity: &E) -> Result<(), Error> {
        self.write(entity, OpKind::Insert).await
    }

    async fn write<E: BotEntity>(&mut self, entity: &E, kind: OpKind) -> Result<(), Error> {
        self.check_alive()?;
        let meta = E::META;
        let key = || format!("{:?}", entity.key());
        let params = entity.to_params();
        let live = self.db.registry().live_of(meta);
        validate::check_row(meta, live.as_deref(), &params, key)?;
        self.supersede::<E>(&entity.key()).await;
        self.cached.note::<E>(self.db.registry(), &entity.key());
        let unset = unset_columns(meta, &params);
        let params = without_unset(params, unset);
        let upsert = kind == OpKind::Upsert;
        let conn = self.conn.server();
        let plan = self.db.registry().plan::<E>()?;
        let live = live_table(plan, conn).await?;
        let guard = guard_for(meta, live.as_deref(), upsert)?;
        let dialect = conn.dialect();
        let sql = self.db.texts().single_row(
            std::any::TypeId::of::<E>(),
            meta,
            dialect,
            upsert,
            unset,
            guard,
        );
        let name = if upsert { "upsert" } else { "insert" };
        let conn = self.conn.server();
        let done = statement!(
            conn,
            || context(meta, &entity.key(), name),
            text = &*sql,
            |c| c.exec_drop(&*sql, Params::Positional(params))
        );
        self.note(done)
            .map_err(|err| validate::map_rejection(err, meta, live.as_deref(), key))
    }

    /// Reads a row inside the transaction (`SELECT … FOR UPDATE` is not implied).
    pub(crate) async fn load<E: BotEntity>(&mut self, key: &E::Key) -> Result<Option<E>, Error> {
        self.check_alive()?;
        self.db.registry().keyed_plan::<E>("load")?;
        let conn = self.conn.server();
        let sql = E::META.statements(conn.dialect()).select_by_key;
        let row: Option<Row> = statement!(
            conn,
            || context(E::META, key, "select_by_key"),
            text = sql,
            |c| c.exec_first(sql, Params::Positional(E::key_params(key)))
        )
        .or_else(|err| self.note(Err(err)))?;
        Ok(row.map(E::from_row).transpose()?)
    }

    /// Deletes `key` inside the transaction; whether a row was there.
    pub(crate) async fn delete<E: BotEntity>(&mut self, key: &E::Key) -> Result<bool, Error> {
        self.check_alive()?;
        self.db.registry().keyed_plan::<E>("delete")?;
        self.supersede::<E>(key).await;
        self.cached.note::<E>(self.db.registry(), key);
        let conn = self.conn.server();
        let sql = E::META.statements(conn.dialect()).delete_by_key;
        let done = statement!(
            conn,
            || context(E::META, key, "delete_by_key"),
            text = sql,
            |c| c.exec_drop(sql, Params::Positional(E::key_params(key)))
        );
        self.note(done)?;
        Ok(self.conn.affected_rows() > 0)
    }

    /// The connection, for custom SQL inside the transaction. The connection is reset when
    /// the transaction ends, since the pool cannot see what was run on it.
    pub(crate) fn conn(&mut self) -> Result<&mut mysql_async::Conn, Error> {
        self.check_alive()?;
        Ok(&mut self.conn)
    }

    /// Commits. If the connection breaks during COMMIT the outcome is unknown: the call
    /// fails with a connection error and the cache keeps the written keys out for a while.
    pub(crate) async fn commit(mut self) -> Result<(), Error> {
        self.check_alive()?;
        self.committing = true;
        let result = commit_on(self.conn.server(), session::COMMIT).await;
        self.committing = result.as_ref().is_err_and(Error::outcome_unknown);
        if result.is_err() {
            // The outcome is unknown on this connection; never reuse it.
            self.conn.discard();
        }
        result
    }

    /// Rolls back everything written in the transaction.
    pub(crate) async fn rollback(mut self) -> Result<(), Error> {
        self.check_alive()?;
        let conn = self.conn.server();
        let context = || Context {
            statement: Some(session::ROLLBACK),
            ..Context::default()
        };
        let result = statement!(conn, context, text = session::ROLLBACK, |c| c
            .query_drop(session::ROLLBACK));
        match &result {
            Ok(()) => conn.state.leave(Busy::Transaction),
            Err(_) => conn.broken = true,
        }
        result
    }

    /// A write in the transaction supersedes a deferred write of its key.
    async fn supersede<E: BotEntity>(&self, key: &E::Key) {
        let behind = self.db.behind();
        let Some(queue) = behind.queue::<E>() else {
            return;
        };
        queue.supersede(key, behind.last_seq()).await;
    }

    fn check_alive(&self) -> Result<(), Error> {
        match self.ended {
            Some(code) => Err(Error::TransactionRolledBack { code }),
            None => Ok(()),
        }
    }

    /// Notes whether a failed statement ended the whole transaction on the server.
    fn note<T>(&mut self, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(err) = &result {
            let conn = self.conn.server();
            let rolled_back = match err.server_code() {
                Some(code::DEADLOCK) => true,
                Some(code::LOCK_WAIT_TIMEOUT) => conn.rollback_on_timeout,
                _ => false,
            };
            if rolled_back {
                self.ended = err.server_code();
            }
        }
        result
    }
}
