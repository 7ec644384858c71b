//! [`WriteBatch`]: writes collected in memory and committed as one transaction, on the one
//! shard they all belong to.

use std::fmt::Debug;

use mysql_async::Value;

use super::Db;
use crate::repo::{OpKind, ServerBatch};
use crate::{BotEntity, Error};

/// One collected write: what it touches, and how to add it to a server's batch.
struct Collected<'db> {
    entity: &'static str,
    key: Box<dyn Debug + Send + Sync>,
    /// The partition key (bot id) of its key, which names its shard.
    bot_id: Option<u64>,
    add: Box<dyn for<'a> FnOnce(&mut ServerBatch<'a>) + Send + 'db>,
}

/// Writes collected first and committed as one transaction by [`WriteBatch::commit`].
/// Because the batch holds plain values, a deadlock or lock wait timeout simply runs it
/// again (up to the retry bound), as does a lost connection unless the batch has plain
/// inserts or new rows of an `auto_increment` entity. Every write must be on one shard
/// ([`Error::CrossShard`] otherwise, before anything is sent).
#[must_use = "a batch does nothing until it is committed"]
pub struct WriteBatch<'db> {
    db: &'db Db,
    writes: Vec<Collected<'db>>,
}

impl Debug for WriteBatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteBatch")
            .field("writes", &self.writes.len())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Starts a batch: writes collected in memory, then sent and committed as one
    /// transaction by [`WriteBatch::commit`]. For reads and writes that depend on each other
    /// use a live transaction, [`begin`](Self::begin).
    pub fn batch(&self) -> WriteBatch<'_> {
        WriteBatch {
            db: self,
            writes: Vec::new(),
        }
    }
}

impl<'db> WriteBatch<'db> {
    /// Adds an upsert of `entity`.
    pub fn save<E: BotEntity>(&mut self, entity: &E) -> &mut Self {
        self.collect::<E>(OpKind::Upsert, entity.to_params(), entity.key())
    }

    /// Adds a plain insert of `entity` (a row with its key already there fails the batch).
    pub fn insert<E: BotEntity>(&mut self, entity: &E) -> &mut Self {
        self.collect::<E>(OpKind::Insert, entity.to_params(), entity.key())
    }

    /// Adds a delete of `key`.
    pub fn delete<E: BotEntity>(&mut self, key: &E::Key) -> &mut Self {
        self.collect::<E>(OpKind::Delete, E::key_params(key), key.clone())
    }

    /// Writes collected so far.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// No write collected yet.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    fn collect<E: BotEntity>(
        &mut self,
        kind: OpKind,
        params: Vec<Value>,
        key: E::Key,
    ) -> &mut Self {
        self.writes.push(Collected {
            entity: E::META.entity,
            key: Box::new(key.clone()),
            bot_id: E::key_partition_key(&key),
            add: Box::new(move |batch: &mut ServerBatch<'_>| {
                batch.push::<E>(kind, params, key);
            }),
        });
        self
    }

    /// Runs every write in order inside one transaction, on the shard they belong to; on any
    /// error nothing is applied. While a move holds their range it waits (at most
    /// `move_wait`), so the shard is decided once no move can change it.
    pub async fn commit(self) -> Result<(), Error> {
        let db = self.db;
        let ids: Vec<Option<u64>> = self.writes.iter().map(|write| write.bot_id).collect();
        let _pass = db
            .write_pass(|range| ids.iter().flatten().any(|id| range.contains(id)))
            .await?;
        let shard_of = |id: Option<u64>| id.map_or(0, |id| db.shard_of_id(id));
        let shard = self
            .writes
            .first()
            .map_or(0, |write| shard_of(write.bot_id));
        if let Some(other) = self.writes.iter().find(|w| shard_of(w.bot_id) != shard) {
            return Err(Error::CrossShard {
                entity: other.entity,
                key: format!("{:?}", other.key),
                shard: shard_of(other.bot_id),
                transaction_shard: shard,
            });
        }
        let mut batch = db.server(shard).batch();
        // With the pass held no move holds these ids, so none of their deferred writes is
        // kept aside: the server's batch supersedes the queued ones.
        for write in self.writes {
            (write.add)(&mut batch);
        }
        batch.commit().await
    }
}
