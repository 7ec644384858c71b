//! Several writes that happen together or not at all.

use std::fmt::Debug;

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row, Value};

use super::{context, validate, with_retry};
use crate::error::Context;
use crate::pool::{PooledConn, ServerConn};
use crate::{BotEntity, Db, EntityMeta, Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Upsert,
    Insert,
    Delete,
}

#[derive(Debug)]
struct TxOp {
    meta: &'static EntityMeta,
    kind: OpKind,
    params: Vec<Value>,
    key: Box<dyn Debug + Send + Sync>,
}

/// Writes collected first and committed as one transaction by [`TxBatch::commit`]. Because
/// the batch holds plain values, a deadlock or lock wait timeout simply runs it again (up
/// to the retry bound), as does a lost connection unless the batch has plain inserts.
#[derive(Debug)]
#[must_use = "a batch does nothing until it is committed"]
pub struct TxBatch<'db> {
    db: &'db Db,
    ops: Vec<TxOp>,
}

impl Db {
    /// Starts collecting writes for one transaction.
    pub fn transaction(&self) -> TxBatch<'_> {
        TxBatch {
            db: self,
            ops: Vec::new(),
        }
    }

    /// Starts a transaction on a connection of its own, for reads and writes that depend on
    /// each other. It is rolled back unless committed, also when dropped; it is not retried
    /// automatically (use [`Error::is_retryable`] to decide).
    pub async fn begin(&self) -> Result<Transaction<'_>, Error> {
        let mut conn = self.pool.get().await?;
        let started = conn.query_drop("START TRANSACTION").await;
        started.map_err(|err| {
            Error::from_driver(
                err,
                Context {
                    statement: Some("begin"),
                    ..Context::default()
                },
            )
        })?;
        Ok(Transaction { conn, open: true })
    }
}

impl TxBatch<'_> {
    pub fn save<E: BotEntity>(&mut self, entity: &E) -> &mut Self {
        self.push::<E>(OpKind::Upsert, entity.to_params(), entity.key())
    }

    pub fn insert<E: BotEntity>(&mut self, entity: &E) -> &mut Self {
        self.push::<E>(OpKind::Insert, entity.to_params(), entity.key())
    }

    pub fn delete<E: BotEntity>(&mut self, key: &E::Key) -> &mut Self {
        self.push::<E>(OpKind::Delete, E::key_params(key), key.clone())
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    fn push<E: BotEntity>(&mut self, kind: OpKind, params: Vec<Value>, key: E::Key) -> &mut Self {
        self.ops.push(TxOp {
            meta: E::META,
            kind,
            params,
            key: Box::new(key),
        });
        self
    }

    /// Runs every write in order inside one transaction; on any error nothing is applied.
    pub async fn commit(self) -> Result<(), Error> {
        for op in self.ops.iter().filter(|op| op.kind != OpKind::Delete) {
            validate::check_row(op.meta, &op.params, || format!("{:?}", op.key))?;
        }
        let idempotent = self.ops.iter().all(|op| op.kind != OpKind::Insert);
        let ops = &self.ops;
        with_retry!(self.db, idempotent, |conn| run_ops(conn, ops).await)
    }
}

async fn run_ops(conn: &mut ServerConn, ops: &[TxOp]) -> Result<(), Error> {
    let transaction = Context {
        statement: Some("transaction"),
        ..Context::default()
    };
    conn.conn
        .query_drop("START TRANSACTION")
        .await
        .map_err(|err| Error::from_driver(err, transaction.clone()))?;
    let dialect = conn.dialect();
    for op in ops {
        let sql = op.meta.statements(dialect);
        let (sql, name) = match op.kind {
            OpKind::Upsert => (sql.upsert, "upsert"),
            OpKind::Insert => (sql.insert, "insert"),
            OpKind::Delete => (sql.delete_by_key, "delete_by_key"),
        };
        if let Err(err) = conn
            .conn
            .exec_drop(sql, Params::Positional(op.params.clone()))
            .await
        {
            let err = Error::from_driver(err, context(op.meta, &op.key, name));
            let err = validate::map_rejection(err, op.meta, || format!("{:?}", op.key));
            roll_back(conn, &err).await;
            return Err(err);
        }
    }
    if let Err(err) = conn.conn.query_drop("COMMIT").await {
        let err = Error::from_driver(err, transaction);
        roll_back(conn, &err).await;
        return Err(err);
    }
    Ok(())
}

/// Rolls back after a failed statement; a connection that cannot even do that is closed.
async fn roll_back(conn: &mut ServerConn, cause: &Error) {
    if cause.is_connection_lost() || conn.conn.query_drop("ROLLBACK").await.is_err() {
        conn.broken = true;
    }
}

/// An open transaction on one connection. Rolled back unless [`commit`](Self::commit)ted.
#[derive(Debug)]
pub struct Transaction<'db> {
    conn: PooledConn<'db>,
    open: bool,
}

impl Transaction<'_> {
    pub async fn save<E: BotEntity>(&mut self, entity: &E) -> Result<(), Error> {
        self.write(entity, OpKind::Upsert).await
    }

    pub async fn insert<E: BotEntity>(&mut self, entity: &E) -> Result<(), Error> {
        self.write(entity, OpKind::Insert).await
    }

    async fn write<E: BotEntity>(&mut self, entity: &E, kind: OpKind) -> Result<(), Error> {
        let meta = E::META;
        let key = || format!("{:?}", entity.key());
        let params = entity.to_params();
        validate::check_row(meta, &params, key)?;
        let sql = meta.statements(self.conn.dialect());
        let (sql, name) = if kind == OpKind::Upsert {
            (sql.upsert, "upsert")
        } else {
            (sql.insert, "insert")
        };
        let result = self.conn.exec_drop(sql, Params::Positional(params)).await;
        result.map_err(|err| {
            validate::map_rejection(self.fail(err, meta, &entity.key(), name), meta, key)
        })
    }

    /// Reads a row inside the transaction (`SELECT … FOR UPDATE` is not implied).
    pub async fn load<E: BotEntity>(&mut self, key: &E::Key) -> Result<Option<E>, Error> {
        let sql = E::META.statements(self.conn.dialect()).select_by_key;
        let row: Option<Row> = match self
            .conn
            .exec_first(sql, Params::Positional(E::key_params(key)))
            .await
        {
            Ok(row) => row,
            Err(err) => return Err(self.fail(err, E::META, key, "select_by_key")),
        };
        Ok(row.map(E::from_row).transpose()?)
    }

    pub async fn delete<E: BotEntity>(&mut self, key: &E::Key) -> Result<bool, Error> {
        let sql = E::META.statements(self.conn.dialect()).delete_by_key;
        if let Err(err) = self
            .conn
            .exec_drop(sql, Params::Positional(E::key_params(key)))
            .await
        {
            return Err(self.fail(err, E::META, key, "delete_by_key"));
        }
        Ok(self.conn.affected_rows() > 0)
    }

    /// The connection, for custom SQL inside the transaction.
    pub fn conn(&mut self) -> &mut mysql_async::Conn {
        &mut self.conn
    }

    pub async fn commit(mut self) -> Result<(), Error> {
        self.finish("COMMIT").await
    }

    pub async fn rollback(mut self) -> Result<(), Error> {
        self.finish("ROLLBACK").await
    }

    async fn finish(&mut self, statement: &'static str) -> Result<(), Error> {
        self.open = false;
        let result = self.conn.query_drop(statement).await;
        result.map_err(|err| {
            let err = Error::from_driver(
                err,
                Context {
                    statement: Some(statement),
                    ..Context::default()
                },
            );
            // The outcome is unknown on this connection; never reuse it.
            self.conn.discard();
            err
        })
    }

    fn fail(
        &mut self,
        err: mysql_async::Error,
        meta: &'static EntityMeta,
        key: &dyn Debug,
        name: &'static str,
    ) -> Error {
        let err = Error::from_driver(err, context(meta, key, name));
        if err.is_connection_lost() {
            self.conn.discard();
        }
        err
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            // Dropped without commit: the pool rolls it back before the next use.
            self.conn.server().needs_rollback = true;
        }
    }
}
