//! Where a read goes: the key's shard, and there its primary or a replica as the call (or
//! the policy) asks; a deferred write kept aside during a move is what its key holds.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use super::replica::Replica;
use super::{Db, ReadFrom, Shard};
use crate::server::Server;
use crate::{BotEntity, Error};

impl Db {
    /// The rows with `keys`, in the order of `keys`: `None` where no row has that key; read
    /// where the policy's default read goes, the shards at the same time.
    ///
    /// Keys are sent in `IN (…)` lists of a few prepared sizes (up to 256 keys a statement;
    /// the last list is padded by repeating a key), so a call of any length uses statements
    /// prepared when the connection opened. Repeated keys get the same row.
    ///
    /// On a table whose key collation ignores case, accents or trailing spaces (an adopted
    /// `utf8mb3_general_ci` key, say), the server finds a row by any key it considers equal,
    /// as [`load`](Self::load) does; a requested key that is not byte-equal to a returned
    /// row's key is then asked for with the point select, so both calls always agree.
    pub async fn load_many<E: BotEntity + Clone>(
        &self,
        keys: &[E::Key],
    ) -> Result<Vec<Option<E>>, Error> {
        if let Some(server) = self.only_server_for_reads() {
            return server.load_many::<E>(keys).await;
        }
        self.load_many_from(keys, self.inner.policy.default_read)
            .await
    }

    /// The row with `key`, or `None`: from the cache when it holds the key, else from where
    /// the policy's default read goes (the shard's primary unless the policy says otherwise).
    pub async fn load<E: BotEntity>(&self, key: &E::Key) -> Result<Option<E>, Error> {
        if let Some(server) = self.only_server_for_reads() {
            return server.load::<E>(key).await;
        }
        self.load_from(key, self.inner.policy.default_read).await
    }

    /// Loads `key` from `from`. A replica that fails is taken out of rotation and the read
    /// goes to the primary; the caller sees no error for it.
    pub async fn load_from<E: BotEntity>(
        &self,
        key: &E::Key,
        from: ReadFrom,
    ) -> Result<Option<E>, Error> {
        // A deferred write kept aside during a move is what the key holds.
        if let Some(parked) = self.inner.parked.lookup::<E>(key) {
            return Ok(parked);
        }
        self.read_on(self.shard_of::<E>(key), from, |db| db.load::<E>(key))
            .await
    }

    /// Loads every key of `keys` from `from`, the shards at the same time; results in the
    /// order of `keys`.
    pub async fn load_many_from<E: BotEntity + Clone>(
        &self,
        keys: &[E::Key],
        from: ReadFrom,
    ) -> Result<Vec<Option<E>>, Error> {
        if let Some(shard) = self.only_shard(keys.iter().map(|key| self.shard_of::<E>(key))) {
            let mut rows = self.load_many_on::<E>(shard, keys, from).await?;
            self.overlay_parked(keys, &mut rows);
            return Ok(rows);
        }
        let mut by_shard: HashMap<usize, Vec<(usize, E::Key)>> = HashMap::new();
        for (position, key) in keys.iter().enumerate() {
            by_shard
                .entry(self.shard_of::<E>(key))
                .or_default()
                .push((position, key.clone()));
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (shard, wanted) in by_shard {
            let cluster = self.clone();
            tasks.spawn(async move {
                let shard_keys: Vec<E::Key> = wanted.iter().map(|(_, k)| k.clone()).collect();
                let found = cluster.load_many_on::<E>(shard, &shard_keys, from).await?;
                Ok::<_, Error>(
                    wanted
                        .into_iter()
                        .map(|(p, _)| p)
                        .zip(found)
                        .collect::<Vec<_>>(),
                )
            });
        }
        let mut out: Vec<Option<E>> = (0..keys.len()).map(|_| None).collect();
        while let Some(done) = tasks.join_next().await {
            for (position, row) in done.expect("a shard's load_many panicked")? {
                out[position] = row;
            }
        }
        self.overlay_parked(keys, &mut out);
        Ok(out)
    }

    /// Puts the deferred writes kept aside during a move over rows loaded for `keys`.
    fn overlay_parked<E: BotEntity>(&self, keys: &[E::Key], rows: &mut [Option<E>]) {
        if self.inner.parked.len() == 0 {
            return;
        }
        for (key, row) in keys.iter().zip(rows.iter_mut()) {
            if let Some(parked) = self.inner.parked.lookup::<E>(key) {
                *row = parked;
            }
        }
    }

    async fn load_many_on<E: BotEntity + Clone>(
        &self,
        shard: usize,
        keys: &[E::Key],
        from: ReadFrom,
    ) -> Result<Vec<Option<E>>, Error> {
        self.read_on(shard, from, |db| db.load_many::<E>(keys))
            .await
    }

    /// Runs `read` on a replica of `shard` as `from` asks, or on its primary: when `from`
    /// is the primary, when no replica is in rotation or caught up, or when the replica's
    /// read fails (it leaves the rotation; the caller sees no error).
    pub(super) async fn read_on<'a, T, Fut>(
        &'a self,
        shard: usize,
        from: ReadFrom,
        read: impl Fn(&'a Server) -> Fut,
    ) -> Result<T, Error>
    where
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let shard = &self.inner.shards[shard];
        // A Galera shard's other synced nodes, read causally: every kind of replica read
        // sees the writer's commits.
        if let Some(reader) = shard.galera.as_ref().filter(|_| from != ReadFrom::Primary) {
            if let Some(node) = reader.reader() {
                match read(node).await {
                    Ok(found) => {
                        self.inner.replica_reads.fetch_add(1, Ordering::Relaxed);
                        return Ok(found);
                    }
                    Err(err) => {
                        tracing::debug!(error = %err, "a read on a Galera node failed; reading the writer");
                        reader.reader_failed();
                    }
                }
            }
        }
        if let Some(replica) = self.replica_for(shard, from).await {
            match read(&replica.db).await {
                Ok(found) => {
                    self.inner.replica_reads.fetch_add(1, Ordering::Relaxed);
                    return Ok(found);
                }
                Err(err) => replica.fail(format!("a read failed: {err}")),
            }
        }
        if from != ReadFrom::Primary {
            self.inner.fallbacks.fetch_add(1, Ordering::Relaxed);
        }
        read(&shard.primary).await
    }

    /// The replica a read from `from` goes to, `None` for the primary.
    async fn replica_for<'a>(&self, shard: &'a Shard, from: ReadFrom) -> Option<&'a Replica> {
        if from == ReadFrom::Primary || shard.replicas.is_empty() {
            return None;
        }
        let count = shard.replicas.len();
        let start = shard.next.fetch_add(1, Ordering::Relaxed);
        let replica = (0..count)
            .map(|i| &shard.replicas[(start + i) % count])
            .find(|replica| replica.is_healthy())?;
        if from == ReadFrom::ReadYourWrites {
            let wait = self.inner.policy.catch_up_wait;
            match replica.catch_up_with(&shard.primary, wait).await {
                Ok(true) => {}
                // Behind: this read goes to the primary; the checks decide about rotation.
                Ok(false) => return None,
                Err(err) => {
                    replica.fail(format!("waiting for it failed: {err}"));
                    return None;
                }
            }
        }
        Some(replica)
    }
}
