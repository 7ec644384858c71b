//! [`Transaction`]: a live transaction on one shard's primary — the shard of its first key
//! (at once with one shard) — refusing keys of other shards.

use std::time::Duration;

use super::gate::Pass;
use super::Db;
use crate::repo::ServerTransaction;
use crate::{BotEntity, Error};

/// An open transaction on one connection. Rolled back unless [`commit`](Self::commit)ted,
/// also when dropped (by the pool's recycler, before anyone else gets the connection). It
/// owns its share of the pool, so it can move into a spawned task.
///
/// With several shards it starts on the shard of the first key it is given (waiting, at
/// most `move_wait`, while a move holds that key's range, and holding off moves of it until
/// it ends); a key of another shard is refused with [`Error::CrossShard`].
///
/// When the server ends the transaction itself (a deadlock, or a lock wait timeout with
/// `innodb_rollback_on_timeout`), every later call fails with
/// [`Error::TransactionRolledBack`]: writes never silently continue outside it.
#[derive(Debug)]
pub struct Transaction {
    db: Db,
    on: Option<OnShard>,
}

/// The server transaction a [`Transaction`] runs, once it has its shard.
#[derive(Debug)]
struct OnShard {
    shard: usize,
    tx: ServerTransaction,
    /// Held for the transaction's life: a move of its ids waits for it to end.
    _pass: Option<Pass>,
}

impl Db {
    /// Starts a transaction on a connection of its own, for reads and writes that depend on
    /// each other. It is rolled back unless committed, also when dropped; it is not retried
    /// automatically (use [`Error::is_retryable`] to decide). With several shards it starts
    /// on the shard of its first key.
    pub async fn begin(&self) -> Result<Transaction, Error> {
        let on = match self.sharded() {
            false => Some(OnShard {
                shard: 0,
                tx: self.first_server().begin().await?,
                _pass: None,
            }),
            true => None,
        };
        Ok(Transaction {
            db: self.clone(),
            on,
        })
    }
}

impl Transaction {
    /// The server transaction for `key` of `E`: started on its shard by the first key, and
    /// refused for a key of another shard or of a range being moved.
    async fn for_key<E: BotEntity>(
        &mut self,
        key: &E::Key,
    ) -> Result<&mut ServerTransaction, Error> {
        let id = E::key_partition_key(key);
        let on = match self.on.take() {
            Some(on) => on,
            None => {
                let pass = self
                    .db
                    .write_pass(|range| id.is_some_and(|id| range.contains(&id)))
                    .await?;
                // Routed once the pass is held: no move of the key's range can switch now.
                let shard = self.db.shard_of::<E>(key);
                OnShard {
                    shard,
                    tx: self.db.server(shard).begin().await?,
                    _pass: pass,
                }
            }
        };
        let on = self.on.insert(on);
        // A range being moved: this transaction's pass cannot wait for the move (the move
        // waits for passes), so the write is refused now rather than written to the source
        // after its rows were copied.
        let held = id.filter(|_| self.db.sharded());
        if let Some(range) = held.and_then(|id| self.db.inner.gate.held_with(id)) {
            return Err(Error::RangeMoving {
                start: range.start,
                end: range.end,
                waited: Duration::ZERO,
            });
        }
        let shard = self.db.shard_of::<E>(key);
        if shard != on.shard {
            return Err(Error::CrossShard {
                entity: E::META.entity,
                key: format!("{key:?}"),
                shard,
                transaction_shard: on.shard,
            });
        }
        Ok(&mut on.tx)
    }

    /// Upserts `entity` inside the transaction.
    pub async fn save<E: BotEntity>(&mut self, entity: &E) -> Result<(), Error> {
        self.for_key::<E>(&entity.key()).await?.save(entity).await
    }

    /// Inserts `entity` inside the transaction (a duplicate key is an error).
    pub async fn insert<E: BotEntity>(&mut self, entity: &E) -> Result<(), Error> {
        self.for_key::<E>(&entity.key()).await?.insert(entity).await
    }

    /// Reads a row inside the transaction (`SELECT … FOR UPDATE` is not implied).
    pub async fn load<E: BotEntity>(&mut self, key: &E::Key) -> Result<Option<E>, Error> {
        self.for_key::<E>(key).await?.load::<E>(key).await
    }

    /// Deletes `key` inside the transaction; `true` when there was a row.
    pub async fn delete<E: BotEntity>(&mut self, key: &E::Key) -> Result<bool, Error> {
        self.for_key::<E>(key).await?.delete::<E>(key).await
    }

    /// The connection, for custom SQL inside the transaction. The connection is reset when
    /// the transaction ends, since the pool cannot see what was run on it. With several
    /// shards it exists once a key has chosen the shard ([`Error::TransactionUnbound`]
    /// before).
    pub fn conn(&mut self) -> Result<&mut mysql_async::Conn, Error> {
        match &mut self.on {
            Some(on) => on.tx.conn(),
            None => Err(Error::TransactionUnbound),
        }
    }

    /// Commits. If the connection breaks during COMMIT the outcome is unknown: the call
    /// fails with a lost connection and is not retried. A transaction that never chose its
    /// shard commits nothing.
    pub async fn commit(self) -> Result<(), Error> {
        match self.on {
            Some(on) => on.tx.commit().await,
            None => Ok(()),
        }
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<(), Error> {
        match self.on {
            Some(on) => on.tx.rollback().await,
            None => Ok(()),
        }
    }
}
