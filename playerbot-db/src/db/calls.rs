//! The repository calls on one key or one lookup, routed to the shard that holds it; the
//! deferred writes; and the calls about the handle's servers as a whole.

use std::ops::Range;
use std::time::Duration;

use crate::behind::Op;
use crate::{BotEntity, DbConfig, Error, Lookup, PooledConn, ServerFlavor};

use super::Db;

impl Db {
    /// Inserts or updates `entity` by its key (one upsert in the server's dialect), on its
    /// shard's primary. For an entity with an `auto_increment` key, a row whose key is 0 is
    /// new: the server gives it the next id (use [`insert`](Self::insert) to learn it).
    pub async fn save<E: BotEntity>(&self, entity: &E) -> Result<(), Error> {
        if let Some(server) = self.only_server() {
            return server.save(entity).await;
        }
        let key = entity.key();
        let _pass = self.key_pass::<E>(&key).await?;
        self.supersede_parked::<E>(&key);
        self.server_of::<E>(&key).save(entity).await
    }

    /// Inserts `entity`; fails with a duplicate-key error (`is_duplicate_key`) if its key
    /// exists. For an entity with an `auto_increment` key, returns the row's id: the one the
    /// server gave a new row (key 0), or the key it had; `None` for other entities.
    pub async fn insert<E: BotEntity>(&self, entity: &E) -> Result<Option<u64>, Error> {
        if let Some(server) = self.only_server() {
            return server.insert(entity).await;
        }
        let key = entity.key();
        let _pass = self.key_pass::<E>(&key).await?;
        self.supersede_parked::<E>(&key);
        self.server_of::<E>(&key).insert(entity).await
    }

    /// Deletes the row with `key`; `true` when there was one.
    pub async fn delete<E: BotEntity>(&self, key: &E::Key) -> Result<bool, Error> {
        if let Some(server) = self.only_server() {
            return server.delete::<E>(key).await;
        }
        let _pass = self.key_pass::<E>(key).await?;
        self.supersede_parked::<E>(key);
        self.server_of::<E>(key).delete::<E>(key).await
    }

    /// Whether a row with `key` exists, without reading it (where the policy's default read
    /// goes).
    pub async fn exists<E: BotEntity>(&self, key: &E::Key) -> Result<bool, Error> {
        if let Some(server) = self.only_server() {
            return server.exists::<E>(key).await;
        }
        if let Some(parked) = self.inner.parked.lookup::<E>(key) {
            return Ok(parked.is_some());
        }
        let from = self.inner.policy.default_read;
        self.read_on(self.shard_of::<E>(key), from, |server| {
            server.exists::<E>(key)
        })
        .await
    }

    /// The shards a lookup reads: its bot's, when the lookup names the partition key;
    /// every shard otherwise.
    fn lookup_shards<E: BotEntity>(&self, lookup: &Lookup<E>) -> Vec<usize> {
        match lookup_bot_id(lookup) {
            Some(id) => vec![self.shard_of_id(id)],
            None => (0..self.shard_count()).collect(),
        }
    }

    /// Every row the lookup finds, in key order: all talents of a bot
    /// (`db.load_by(&Talent::by_bot_id(42))`), all bots of an account
    /// (`db.load_by(&BotAccount::by_account_id(7))`). A lookup that includes the partition
    /// key reads one partition of one shard; one that does not reads every shard (in key
    /// order within each, shard after shard).
    pub async fn load_by<E: BotEntity>(&self, lookup: &Lookup<E>) -> Result<Vec<E>, Error> {
        let mut rows = Vec::new();
        for shard in self.lookup_shards(lookup) {
            rows.extend(self.server(shard).load_by(lookup).await?);
        }
        Ok(rows)
    }

    /// Deletes every row the lookup finds (on every shard it reads); returns how many.
    pub async fn delete_by<E: BotEntity>(&self, lookup: &Lookup<E>) -> Result<u64, Error> {
        let shards = self.lookup_shards(lookup);
        let id = lookup_bot_id(lookup);
        let _pass = self
            .write_pass(|range: &Range<u64>| id.is_none_or(|id| range.contains(&id)))
            .await?;
        let mut deleted = 0;
        for shard in shards {
            deleted += self.server(shard).delete_by(lookup).await?;
        }
        Ok(deleted)
    }

    /// How many rows the lookup finds (on every shard it reads).
    pub async fn count_by<E: BotEntity>(&self, lookup: &Lookup<E>) -> Result<u64, Error> {
        let mut count = 0;
        for shard in self.lookup_shards(lookup) {
            count += self.server(shard).count_by(lookup).await?;
        }
        Ok(count)
    }

    /// How many rows the entity's table has, on every shard (an exact `COUNT(*)`: it reads
    /// an index whole).
    pub async fn count<E: BotEntity>(&self) -> Result<u64, Error> {
        let mut count = 0;
        for server in self.servers() {
            count += server.count::<E>().await?;
        }
        Ok(count)
    }

    /// Drops `key` from its shard's cache: for a row changed another way (raw SQL, another
    /// process), which the cache cannot see.
    pub fn invalidate<E: BotEntity>(&self, key: &E::Key) -> Result<(), Error> {
        self.server_of::<E>(key).invalidate::<E>(key)
    }

    /// Drops every value from `E`'s cache, on every shard.
    pub fn clear_cache<E: BotEntity>(&self) -> Result<(), Error> {
        for server in self.servers() {
            server.clear_cache::<E>()?;
        }
        Ok(())
    }

    /// Accepts `entity` for its shard's write-behind queue and returns at once: the flusher
    /// writes the newest value of each key in bulk, within the configured interval. Loads
    /// see it right away. Invalid values are refused here, before anything is queued. A full
    /// queue waits or refuses as configured (`WhenFull`), never drops. While a move holds
    /// its range it is kept aside and queued on whichever shard the range is on once the
    /// hold is let go of (it never waits on the move, nor is refused because of it).
    pub async fn save_deferred<E: BotEntity + Clone>(&self, entity: &E) -> Result<(), Error> {
        let key = entity.key();
        if let Some(server) = self.only_server() {
            server.check_deferred(entity)?;
            return server.defer(key, Op::Save(entity.clone())).await;
        }
        self.server_of::<E>(&key).check_deferred(entity)?;
        self.defer(key, Op::Save(entity.clone())).await
    }

    /// Accepts a delete of `key` for its shard's write-behind queue, at once (it replaces a
    /// deferred save of the key; a later deferred save re-creates the row).
    pub async fn delete_deferred<E: BotEntity + Clone>(&self, key: &E::Key) -> Result<(), Error> {
        self.server_of::<E>(key)
            .registry()
            .keyed_plan::<E>("delete_deferred")?;
        self.defer::<E>(key.clone(), Op::Delete).await
    }

    /// Returns when every deferred write accepted before the call is in the server, every
    /// shard at once (deferred writes kept aside while a move holds their range too, once it
    /// lets go). While a server is away it keeps waiting (the flusher retries): bound it
    /// with a timeout.
    pub async fn flush(&self) -> Result<(), Error> {
        while self.inner.parked.len() > 0 {
            self.inner.gate.released(Duration::from_millis(50)).await;
        }
        self.on_every_server(|server| async move { server.flush().await })
            .await
    }

    /// Drains every write-behind queue (as [`flush`](Self::flush)) and stops the flushers; a
    /// later deferred write starts them again.
    pub async fn shutdown(&self) -> Result<(), Error> {
        while self.inner.parked.len() > 0 {
            self.inner.gate.released(Duration::from_millis(50)).await;
        }
        self.on_every_server(|server| async move { server.shutdown().await })
            .await
    }

    /// Closes every pool: idle connections now, ones in use when they come back. Calls made
    /// afterwards, on this handle or any clone, fail at once with [`Error::Closed`].
    /// Dropping the last handle closes the idle connections too, without waiting.
    ///
    /// Deferred writes are drained first ([`shutdown`](Self::shutdown)): `close` returns once
    /// the servers have every accepted row, after leaving the shared shard map. A drain that
    /// fails (a server gone for good) is logged and the rows still queued are lost; bound
    /// `close` with a timeout if a server may be away.
    pub async fn close(&self) {
        // Deferred writes kept aside for a hold go to a queue before the queues drain: once
        // the hold goes (at most `move_wait`), or else to where the routes name now.
        let deadline = tokio::time::Instant::now() + self.move_wait();
        while self.inner.parked.len() > 0 && tokio::time::Instant::now() < deadline {
            self.inner.gate.released(Duration::from_millis(50)).await;
        }
        if self.inner.parked.len() > 0 {
            tracing::warn!(
                "closing while a move holds a range: its deferred writes go to the shard the routes name now"
            );
            let queue_of = |id| self.server_of_id(id).clone();
            self.inner
                .parked
                .release_and_drain(|| {}, &|_| false, &queue_of);
        }
        self.leave().await;
        for shard in &self.inner.shards {
            shard.primary.close().await;
            for replica in &shard.replicas {
                replica.db.close().await;
            }
            if let Some(galera) = &shard.galera {
                for reader in galera.readers() {
                    reader.close().await;
                }
            }
        }
    }

    /// A connection to the first shard's primary for custom SQL (`db.primary(shard).conn()`
    /// for another); it returns to the pool when dropped (reset first, in the background, so
    /// nothing you changed reaches the next user).
    ///
    /// A connection idle for 10 ms or more is pinged first: your SQL cannot be retried for
    /// you, so a connection that died unseen (say, in a server restart) is replaced here.
    pub async fn conn(&self) -> Result<PooledConn, Error> {
        self.first_server().conn().await
    }

    /// The first shard's server, asked on a pooled connection.
    pub async fn flavor(&self) -> Result<ServerFlavor, Error> {
        self.first_server().flavor().await
    }

    /// The settings the first shard's primary was opened with (every server has the same
    /// but its URL).
    pub fn config(&self) -> &DbConfig {
        self.first_server().config()
    }

    /// Runs CREATE TABLE IF NOT EXISTS for every registered entity, on every shard's
    /// primary.
    pub async fn create_tables(&self) -> Result<(), Error> {
        for server in self.servers() {
            server.create_tables().await?;
        }
        Ok(())
    }

    /// Runs `call` on every shard's primary at once; the first error, once all are done.
    async fn on_every_server<F, Fut>(&self, call: F) -> Result<(), Error>
    where
        F: Fn(crate::server::Server) -> Fut,
        Fut: std::future::Future<Output = Result<(), Error>> + Send + 'static,
    {
        if !self.sharded() {
            return call(self.first_server().clone()).await;
        }
        let mut tasks = tokio::task::JoinSet::new();
        for server in self.servers() {
            tasks.spawn(call(server.clone()));
        }
        let mut first_error = None;
        while let Some(done) = tasks.join_next().await {
            if let Err(err) = done.expect("a shard's call panicked") {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// The bot id a lookup names, when one of its columns is the entity's partition key.
fn lookup_bot_id<E: BotEntity>(lookup: &Lookup<E>) -> Option<u64> {
    let column = E::META.partitioning?.column;
    let sql = E::META.sql.mariadb.lookups.get(lookup.index())?;
    let position = sql.columns.iter().position(|c| *c == column)?;
    mysql_async::from_value_opt::<u64>(lookup.params().get(position)?.clone()).ok()
}
