//! Several servers behind one handle: bots split by id range over shards, each shard a
//! primary and its read replicas, on the servers' own replication.
//!
//! A [`Cluster`] holds one [`Db`] per server and routes each call by the bot id of its key
//! (the entity's partition key): writes go to the shard's primary, reads to the primary or a
//! replica as asked. Entities without a partition key live on the first shard. Everything a
//! [`Db`] guarantees holds per server; the cache and the write-behind queue are the primary
//! `Db`'s own, so a flush to one shard never waits on another.

mod aggregate;
mod gate;
mod moving;
mod own_conn;
mod parked;
mod replica;
mod routing;
mod topology;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

pub use crate::error::{MoveError, TopologyError};
pub use moving::{MoveReport, MoveState, MoveStep, OpenMove, Progress};
pub use replica::ReplicaHealth;
pub use routing::{Follower, SharedMap};
pub use topology::{ShardSpec, Topology, SHARDS_ENV};

use crate::behind::Op;
use gate::{Holder, Pass, WriteGate};
use replica::Replica;

use crate::{
    BotEntity, BulkReport, CacheStats, Db, DbBuilder, Error, PoolStats, Transaction,
    WriteBehindStats,
};

/// Where a read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadFrom {
    /// The shard's primary (and its cache): always the newest value.
    #[default]
    Primary,
    /// A replica in rotation, else the primary; may be behind by the replica's lag.
    Replica,
    /// A replica once it has applied everything the primary had written when the read
    /// started (so a caller reads its own writes); the primary when no replica catches up
    /// within the wait.
    ReadYourWrites,
}

/// How a cluster reads from replicas, checks them, and moves ranges.
#[derive(Debug, Clone, Copy)]
pub struct ClusterPolicy {
    /// Where reads go unless a call says otherwise (default: the primary).
    pub default_read: ReadFrom,
    /// A replica further behind than this is taken out of rotation (default 5 s).
    pub max_lag: Duration,
    /// How often replicas are checked (default 1 s).
    pub check_every: Duration,
    /// How long a read-your-writes read waits for a replica (default 200 ms).
    pub catch_up_wait: Duration,
    /// How long a write to a range that is being moved waits before it fails with
    /// [`Error::RangeMoving`] (default 5 s); a move also gives up waiting for writes in
    /// flight after this long.
    pub move_wait: Duration,
    /// How often each process reads the shard map shared on the first shard (default
    /// 100 ms): how soon it takes in a hold or a switch made by another process.
    pub route_poll: Duration,
    /// A process not heard from for this long is silent (default 3 s): a move refuses to
    /// start or go on while one is, since it may still write on routes it cannot update.
    pub silent_after: Duration,
    /// A process not heard from for this long has stopped and is forgotten (default 60 s).
    pub forget_after: Duration,
}

impl Default for ClusterPolicy {
    fn default() -> Self {
        ClusterPolicy {
            default_read: ReadFrom::Primary,
            max_lag: Duration::from_secs(5),
            check_every: Duration::from_secs(1),
            catch_up_wait: Duration::from_millis(200),
            move_wait: Duration::from_secs(5),
            route_poll: Duration::from_millis(100),
            silent_after: Duration::from_secs(3),
            forget_after: Duration::from_secs(60),
        }
    }
}

/// One shard's servers.
#[derive(Debug)]
struct Shard {
    primary: Db,
    replicas: Vec<Replica>,
    /// Round robin over the replicas.
    next: AtomicUsize,
}

#[derive(Debug)]
struct ClusterInner {
    topology: Topology,
    /// Where each bot-id range is routed now: the topology's ranges, split by moves.
    map: std::sync::RwLock<Vec<(Range<u64>, usize)>>,
    /// Every write passes it; a move holds its range there.
    gate: WriteGate,
    /// Deferred writes to held ranges, until the hold is let go of.
    parked: parked::Parked,
    /// One move (or rollback) at a time; a move finishing in the background keeps it.
    moves: Arc<tokio::sync::Mutex<()>>,
    shards: Vec<Shard>,
    policy: ClusterPolicy,
    /// This process in the shard map shared on the first shard (with two shards or more).
    member: Option<routing::Member>,
    /// Reads that asked for a replica and got one.
    replica_reads: AtomicU64,
    /// Reads that asked for a replica and went to the primary (none in rotation, behind,
    /// or failing).
    fallbacks: AtomicU64,
}

/// Where the reads that asked for a replica went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadStats {
    /// Answered by a replica.
    pub replica_reads: u64,
    /// Sent to the primary instead.
    pub fallbacks: u64,
}

/// A handle on every shard; cheap to clone.
#[derive(Debug, Clone)]
pub struct Cluster {
    inner: Arc<ClusterInner>,
}

impl Cluster {
    /// Opens a pool on every server of `topology`. `configure` sets up each [`DbBuilder`]
    /// (entities, pool size, cache, write-behind) the same way; replicas get the same
    /// entities with their caches off, since they only serve reads that ask for them.
    pub async fn build(
        topology: Topology,
        policy: ClusterPolicy,
        configure: impl Fn(DbBuilder) -> DbBuilder,
    ) -> Result<Cluster, Error> {
        topology.validate()?;
        let mut shards = Vec::with_capacity(topology.shards().len());
        for spec in topology.shards() {
            let primary = configure(Db::builder(spec.primary.expose()))
                .build()
                .await?;
            let mut replicas = Vec::with_capacity(spec.replicas.len());
            for url in &spec.replicas {
                let db = configure(Db::builder(url.expose()))
                    .without_caches()
                    .build()
                    .await?;
                replicas.push(Replica::new(db, url.clone()));
            }
            shards.push(Shard {
                primary,
                replicas,
                next: AtomicUsize::new(0),
            });
        }
        let map: routing::Routes = topology
            .shards()
            .iter()
            .enumerate()
            .map(|(index, spec)| (spec.ids.clone(), index))
            .collect();
        let member = (shards.len() > 1).then(routing::Member::new);
        let initial = map.clone();
        let inner = Arc::new(ClusterInner {
            topology,
            map: std::sync::RwLock::new(map),
            gate: WriteGate::default(),
            parked: parked::Parked::default(),
            moves: Arc::new(tokio::sync::Mutex::new(())),
            shards,
            policy,
            member,
            replica_reads: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
        });
        if inner.shards.iter().any(|shard| !shard.replicas.is_empty()) {
            tokio::spawn(check_replicas(Arc::downgrade(&inner)));
        }
        let cluster = Cluster { inner };
        if cluster.inner.member.is_some() {
            // The shared map wins over the topology's ranges: moves made by any process
            // since are in it. A move holding a range now is held here from the start.
            let (routes, version) = routing::prepare(&cluster, &initial).await?;
            cluster.set_routes(routes);
            cluster.routes_taken_in(version);
            cluster.follow_once().await?;
            tokio::spawn(routing::follow(Arc::downgrade(&cluster.inner)));
        }
        Ok(cluster)
    }

    /// The shard map the cluster was built with (moves change [`routes`](Self::routes), not
    /// this).
    pub fn topology(&self) -> &Topology {
        &self.inner.topology
    }

    /// Where each bot-id range is routed now, in id order.
    pub fn routes(&self) -> Vec<(Range<u64>, usize)> {
        self.inner.map.read().expect("map lock").clone()
    }

    /// The bot-id range a move is holding writes to, if one is.
    pub fn held_range(&self) -> Option<Range<u64>> {
        self.inner.gate.any_held()
    }

    /// The shard bot id `id` is routed to.
    pub fn shard_of_id(&self, id: u64) -> usize {
        let map = self.inner.map.read().expect("map lock");
        map.iter()
            .find(|(range, _)| range.contains(&id))
            .or(map.last())
            .map_or(0, |(_, shard)| *shard)
    }

    /// The shard that holds `key` of `E`: by its partition key, the first shard without one.
    pub fn shard_of<E: BotEntity>(&self, key: &E::Key) -> usize {
        E::key_partition_key(key).map_or(0, |id| self.shard_of_id(id))
    }

    /// A pass for a write to bot ids for which `touches` holds: shared with every other
    /// write, waiting (at most `move_wait`) while a move holds a range it touches. Keep it
    /// until the write is done: a move waits for passes out before it copies or switches.
    async fn write_pass(&self, touches: impl Fn(&Range<u64>) -> bool) -> Result<Pass, Error> {
        self.inner
            .gate
            .pass(touches, self.inner.policy.move_wait)
            .await
    }

    /// A pass for a write to `key` of `E`.
    async fn key_pass<E: BotEntity>(&self, key: &E::Key) -> Result<Pass, Error> {
        let id = E::key_partition_key(key);
        self.write_pass(|range| id.is_some_and(|id| range.contains(&id)))
            .await
    }

    /// Holds writes to `ids`, in this process and (through the shared map) in every other,
    /// until the returned guard is dropped; returns once the writes in flight everywhere
    /// have ended and every process has flushed its queued writes to the range.
    async fn hold(&self, ids: Range<u64>, token: u64) -> Result<HoldGuard, Error> {
        // The token is known before the hold is sent: a move dropped at any point lets go
        // of its own hold, and never of a later one.
        let mut guard = HoldGuard {
            cluster: self.clone(),
            token,
            shared: self.inner.member.is_some(),
            local: false,
        };
        let held = async {
            let epoch = self.hold_shared(&ids, token).await?;
            self.hold_local(Holder::Move(token), ids).await?;
            guard.local = true;
            if let Some(epoch) = epoch {
                self.wait_for_peers("stop writing to the range", |held, _| held >= epoch)
                    .await?;
            }
            Ok::<_, Error>(())
        };
        match held.await {
            Ok(()) => Ok(guard),
            Err(err) => {
                guard.release().await;
                Err(err)
            }
        }
    }

    /// Holds writes to `ids` made through this handle for `holder`; returns once the writes
    /// in flight have ended.
    async fn hold_local(&self, holder: Holder, ids: Range<u64>) -> Result<(), Error> {
        let wait = self.inner.policy.move_wait;
        self.inner.gate.hold(holder, ids, wait).await
    }

    /// Lets the writes `holder` held here go: the deferred ones parked meanwhile first, to
    /// the shard the routes name now, then the waiting direct ones.
    fn release_hold(&self, holder: Holder) {
        let gate = &self.inner.gate;
        let still_held = |id: Option<u64>| id.is_some_and(|id| gate.held_with(id).is_some());
        let queue_of = |id| self.primary_of_id(id).clone();
        self.inner
            .parked
            .release_and_drain(|| gate.release(holder), &still_held, &queue_of);
        gate.wake();
    }

    /// A deferred write: queued on its shard at once, or, while a move holds its range,
    /// parked until the hold is let go of — never waiting on the move.
    async fn defer<E: BotEntity + Clone>(&self, key: E::Key, op: Op<E>) -> Result<(), Error> {
        let id = E::key_partition_key(&key);
        let touches = |range: &Range<u64>| id.is_some_and(|id| range.contains(&id));
        let mut pending = (key, op);
        loop {
            let (key, op) = pending;
            // The common case: nothing held, nothing parked — no lock taken.
            if !self.inner.gate.held_any() && self.inner.parked.len() == 0 {
                if let Some(_pass) = self.inner.gate.try_pass(touches) {
                    return self.primary_of::<E>(&key).defer(key, op).await;
                }
            }
            let held = || id.is_some_and(|id| self.inner.gate.held_with(id).is_some());
            let Some((key, op)) = self.inner.parked.park_if(key, op, held) else {
                return Ok(());
            };
            // Not held: through the queue, with a pass, so a hold that starts now waits for
            // it. No pass to be had without waiting means a hold is being taken: park then.
            if let Some(_pass) = self.inner.gate.try_pass(touches) {
                return self.primary_of::<E>(&key).defer(key, op).await;
            }
            pending = (key, op);
            tokio::task::yield_now().await;
        }
    }

    /// Routes `ids` to `to` from now on, in the shared map and here; returns the shared
    /// map's new version (`None` with one shard).
    ///
    /// Needs no pass of its own: writes to `ids` are held (the hold waited for the ones in
    /// flight), and the writes in flight are to other ids, whose routes do not change.
    async fn switch(&self, ids: &Range<u64>, to: usize, token: u64) -> Result<Option<u64>, Error> {
        match self.switch_shared(ids, to, token).await? {
            Some((routes, version)) => {
                self.set_routes(routes);
                Ok(Some(version))
            }
            None => {
                let routes = routing::split(&self.routes(), ids, to);
                self.set_routes(routes);
                Ok(None)
            }
        }
    }

    /// Routes by `routes` from now on, and drops every cache entry a change made stale.
    fn set_routes(&self, routes: routing::Routes) {
        let changed = {
            let mut map = self.inner.map.write().expect("map lock");
            let changed = *map != routes;
            *map = routes;
            changed
        };
        if changed {
            for shard in &self.inner.shards {
                shard.primary.registry().clear_all_caches();
            }
        }
    }

    /// Shard `shard`'s primary, for calls the cluster does not route itself.
    pub fn primary(&self, shard: usize) -> &Db {
        &self.inner.shards[shard].primary
    }

    fn primary_of<E: BotEntity>(&self, key: &E::Key) -> &Db {
        self.primary_of_id(E::key_partition_key(key))
    }

    /// The primary the routes name for bot id `id` (the first shard's for none).
    fn primary_of_id(&self, id: Option<u64>) -> &Db {
        self.primary(id.map_or(0, |id| self.shard_of_id(id)))
    }

    /// Saves (upserts) `entity` on its shard's primary.
    pub async fn save<E: BotEntity>(&self, entity: &E) -> Result<(), Error> {
        let key = entity.key();
        let _pass = self.key_pass::<E>(&key).await?;
        self.inner.parked.supersede::<E>(&key);
        self.primary_of::<E>(&key).save(entity).await
    }

    /// Deletes `key` on its shard's primary.
    pub async fn delete<E: BotEntity>(&self, key: &E::Key) -> Result<bool, Error> {
        let _pass = self.key_pass::<E>(key).await?;
        self.inner.parked.supersede::<E>(key);
        self.primary_of::<E>(key).delete::<E>(key).await
    }

    /// Accepts `entity` for its shard's write-behind queue, at once: while a move holds its
    /// range it is kept aside and queued on whichever shard the range is on once the hold
    /// is let go of (it never waits on the move, nor is refused because of it).
    pub async fn save_deferred<E: BotEntity + Clone>(&self, entity: &E) -> Result<(), Error> {
        let key = entity.key();
        self.primary_of::<E>(&key).check_deferred(entity)?;
        self.defer(key, Op::Save(entity.clone())).await
    }

    /// Accepts a delete of `key` for its shard's write-behind queue, at once (as
    /// [`save_deferred`](Self::save_deferred)).
    pub async fn delete_deferred<E: BotEntity + Clone>(&self, key: &E::Key) -> Result<(), Error> {
        self.primary_of::<E>(key)
            .registry()
            .keyed_plan::<E>("delete_deferred")?;
        self.defer::<E>(key.clone(), Op::Delete).await
    }

    /// Drops `key` from its shard's cache.
    pub fn invalidate<E: BotEntity>(&self, key: &E::Key) -> Result<(), Error> {
        self.primary_of::<E>(key).invalidate::<E>(key)
    }

    /// Loads every key of `keys` from where the policy's default read goes.
    pub async fn load_many<E>(&self, keys: &[E::Key]) -> Result<Vec<Option<E>>, Error>
    where
        E: BotEntity + Clone + Send + Sync + 'static,
        E::Key: Send + Sync,
    {
        self.load_many_from(keys, self.inner.policy.default_read)
            .await
    }

    /// The number of shards.
    pub fn shard_count(&self) -> usize {
        self.inner.shards.len()
    }

    /// Shard `shard`'s replicas' pools, for reads the cluster does not route itself.
    pub fn replicas(&self, shard: usize) -> impl Iterator<Item = &Db> {
        self.inner.shards[shard].replicas.iter().map(|r| &r.db)
    }

    /// Every primary's pool counters, added up.
    pub fn pool_stats(&self) -> PoolStats {
        let mut primaries = self.inner.shards.iter().map(|s| s.primary.stats());
        let first = primaries.next().expect("a cluster has a shard");
        primaries.fold(first, aggregate::pool)
    }

    /// Every shard's write-behind queue: rows add up, ages take the worst shard's.
    pub fn write_behind_stats(&self) -> WriteBehindStats {
        let mut shards = self
            .inner
            .shards
            .iter()
            .map(|s| s.primary.write_behind_stats());
        let first = shards.next().expect("a cluster has a shard");
        shards.fold(first, aggregate::write_behind)
    }

    /// One entry per cached entity, every shard's cache added up.
    pub fn cache_stats(&self) -> Vec<CacheStats> {
        aggregate::caches(
            self.inner
                .shards
                .iter()
                .flat_map(|s| s.primary.cache_stats()),
        )
    }

    /// Publishes every primary's pool, cache and write-behind snapshots through the
    /// `metrics` facade, as [`Db::export_metrics`] does for one server, labelled
    /// `shard="N"` (add them up with the collector's `sum`); then each replica's health
    /// (`playerbot_db_replica_in_rotation`, `_lag_seconds`, labelled `shard` and
    /// `replica`) and where reads that asked for a replica went.
    pub fn export_metrics(&self) {
        for (index, shard) in self.inner.shards.iter().enumerate() {
            let labels = [("shard", index.to_string())];
            let db = &shard.primary;
            db.stats().export_metrics_with(&labels);
            for cache in db.cache_stats() {
                cache.export_metrics_with(&labels);
            }
            db.write_behind_stats().export_metrics_with(&labels);
        }
        let mut replicas: HashMap<usize, usize> = HashMap::new();
        for health in self.replica_health() {
            let number = replicas.entry(health.shard).or_default();
            let labels = [
                ("shard", health.shard.to_string()),
                ("replica", number.to_string()),
            ];
            *number += 1;
            metrics::gauge!("playerbot_db_replica_in_rotation", &labels).set(if health.healthy {
                1.0
            } else {
                0.0
            });
            if let Some(lag) = health.lag_seconds {
                metrics::gauge!("playerbot_db_replica_lag_seconds", &labels).set(lag as f64);
            }
        }
        let reads = self.read_stats();
        metrics::counter!("playerbot_db_replica_reads_total").absolute(reads.replica_reads);
        metrics::counter!("playerbot_db_replica_fallbacks_total").absolute(reads.fallbacks);
    }

    /// Writes every shard's queued writes, all shards at once — deferred writes kept aside
    /// while a move holds their range too, once it lets go (bound the wait with a timeout).
    pub async fn flush(&self) -> Result<(), Error> {
        while self.inner.parked.len() > 0 {
            self.inner.gate.released(Duration::from_millis(50)).await;
        }
        self.on_every_primary(|db| async move { db.flush().await })
            .await
    }

    /// Closes every pool (each primary drains its queue first), after leaving the shared
    /// shard map.
    pub async fn close(&self) {
        // Deferred writes kept aside for a hold go to a queue before the queues drain: once
        // the hold goes (at most `move_wait`), or else to where the routes name now.
        let deadline = tokio::time::Instant::now() + self.inner.policy.move_wait;
        while self.inner.parked.len() > 0 && tokio::time::Instant::now() < deadline {
            self.inner.gate.released(Duration::from_millis(50)).await;
        }
        if self.inner.parked.len() > 0 {
            tracing::warn!(
                "closing while a move holds a range: its deferred writes go to the shard the routes name now"
            );
            let queue_of = |id| self.primary_of_id(id).clone();
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
        }
    }

    /// Saves `rows`, split by shard; the shards are written at the same time, each in its
    /// own transaction(s) as [`Db::save_all`] does. On failure the first error is returned
    /// and the other shards' rows may be saved.
    pub async fn save_all<E>(&self, rows: &[E]) -> Result<BulkReport, Error>
    where
        E: BotEntity + Clone + Send + Sync + 'static,
    {
        let _pass = self
            .write_pass(|range| {
                rows.iter()
                    .filter_map(|row| row.partition_key())
                    .any(|id| range.contains(&id))
            })
            .await?;
        // All on one shard (one server, or a call for one bot): no copies, no tasks.
        if let Some(shard) = self.only_shard(rows.iter().map(|row| self.shard_of::<E>(&row.key())))
        {
            return self.primary(shard).save_all(rows).await;
        }
        let mut by_shard: HashMap<usize, Vec<E>> = HashMap::new();
        for row in rows {
            by_shard
                .entry(self.shard_of::<E>(&row.key()))
                .or_default()
                .push(row.clone());
        }
        // In a JoinSet, so a dropped call aborts every shard's save at its next await:
        // nothing keeps writing for a caller that gave up (each shard's save is whole or
        // absent, as `Db::save_all` is).
        let mut tasks = tokio::task::JoinSet::new();
        for (shard, rows) in by_shard {
            let db = self.primary(shard).clone();
            tasks.spawn(async move { db.save_all(&rows).await });
        }
        let mut total: Option<BulkReport> = None;
        let mut first_error = None;
        while let Some(done) = tasks.join_next().await {
            match done.expect("a shard's save_all panicked") {
                Ok(report) => total = Some(merge(total, report)),
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        match (first_error, total) {
            (Some(err), _) => Err(err),
            (None, Some(total)) => Ok(total),
            // No rows: nothing was sent anywhere.
            (None, None) => self.primary(0).save_all::<E>(&[]).await,
        }
    }

    /// Loads `key` from where the policy's default read goes.
    pub async fn load<E: BotEntity + Clone>(&self, key: &E::Key) -> Result<Option<E>, Error> {
        self.load_from(key, self.inner.policy.default_read).await
    }

    /// Loads `key` from `from`. A replica that fails is taken out of rotation and the read
    /// goes to the primary; the caller sees no error for it.
    pub async fn load_from<E: BotEntity + Clone>(
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
    pub async fn load_many_from<E>(
        &self,
        keys: &[E::Key],
        from: ReadFrom,
    ) -> Result<Vec<Option<E>>, Error>
    where
        E: BotEntity + Clone + Send + Sync + 'static,
        E::Key: Send + Sync,
    {
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
    async fn read_on<'a, T, Fut>(
        &'a self,
        shard: usize,
        from: ReadFrom,
        read: impl Fn(&'a Db) -> Fut,
    ) -> Result<T, Error>
    where
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let shard = &self.inner.shards[shard];
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

    /// The one shard every item of `shards` names; `None` when they name several (or none).
    fn only_shard(&self, mut shards: impl Iterator<Item = usize>) -> Option<usize> {
        let first = shards.next()?;
        shards.all(|shard| shard == first).then_some(first)
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

    /// Starts a transaction on the primary of the shard that holds bot id `bot_id`; writes
    /// through it to another shard's keys are refused.
    pub async fn begin(&self, bot_id: u64) -> Result<ShardTransaction, Error> {
        // Held for the transaction's life: a move of its shard's ids waits for it to end
        // (at most `move_wait`), and it never writes to a range being moved.
        let pass = self.write_pass(|range| range.contains(&bot_id)).await?;
        let shard = self.shard_of_id(bot_id);
        Ok(ShardTransaction {
            cluster: self.clone(),
            shard,
            tx: self.primary(shard).begin().await?,
            _pass: pass,
        })
    }

    /// Where the reads that asked for a replica went.
    pub fn read_stats(&self) -> ReadStats {
        ReadStats {
            replica_reads: self.inner.replica_reads.load(Ordering::Relaxed),
            fallbacks: self.inner.fallbacks.load(Ordering::Relaxed),
        }
    }

    /// What the last checks found about every replica.
    pub fn replica_health(&self) -> Vec<ReplicaHealth> {
        self.inner
            .shards
            .iter()
            .enumerate()
            .flat_map(|(index, shard)| shard.replicas.iter().map(move |r| r.health(index)))
            .collect()
    }

    /// Checks every replica now (the background checks do the same every `check_every`).
    pub async fn check_replicas(&self) {
        check_all(&self.inner).await;
    }

    async fn on_every_primary<F, Fut>(&self, call: F) -> Result<(), Error>
    where
        F: Fn(Db) -> Fut,
        Fut: std::future::Future<Output = Result<(), Error>> + Send + 'static,
    {
        let mut tasks = tokio::task::JoinSet::new();
        for shard in &self.inner.shards {
            tasks.spawn(call(shard.primary.clone()));
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

/// Lets the writes held by a move go when dropped (also when the move fails or is dropped):
/// its own hold here, and, unless a switch already did, in the shared map.
struct HoldGuard {
    cluster: Cluster,
    /// The move's token, by which it holds here and in the shared map.
    token: u64,
    /// Whether the shared hold is still this move's to let go of.
    shared: bool,
    /// Whether it holds here.
    local: bool,
}

impl HoldGuard {
    /// Lets go now, waiting for the shared map to say so (a dropped guard only starts that).
    async fn release(mut self) {
        if std::mem::take(&mut self.shared) {
            self.cluster.disown(self.token);
            if let Err(err) = self.cluster.release_shared(self.token).await {
                tracing::warn!("letting go of a shared hold failed: {err}");
            }
        }
    }
}

impl Drop for HoldGuard {
    fn drop(&mut self) {
        if self.local {
            self.cluster.release_hold(Holder::Move(self.token));
        }
        if std::mem::take(&mut self.shared) {
            let token = self.token;
            self.cluster.disown(token);
            // Drop cannot wait: the shared hold goes in a task of its own. Without a runtime
            // (the process is ending) it stays until a rerun or a rollback of the move.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let cluster = self.cluster.clone();
                runtime.spawn(async move {
                    if let Err(err) = cluster.release_shared(token).await {
                        tracing::warn!("letting go of a shared hold failed: {err}");
                    }
                });
            }
        }
    }
}

/// Two shards' reports as one. New ids are per shard and lose their order across shards, so
/// the sum has none.
fn merge(total: Option<BulkReport>, report: BulkReport) -> BulkReport {
    match total {
        None => report,
        Some(sum) => BulkReport {
            rows: sum.rows + report.rows,
            duplicates: sum.duplicates + report.duplicates,
            chunks: sum.chunks + report.chunks,
            mode: sum.mode,
            new_ids: None,
        },
    }
}

/// A live transaction on one shard's primary.
#[derive(Debug)]
pub struct ShardTransaction {
    cluster: Cluster,
    shard: usize,
    tx: Transaction,
    _pass: Pass,
}

impl ShardTransaction {
    fn check<E: BotEntity>(&self, key: &E::Key) -> Result<(), Error> {
        // A range being moved: this transaction's pass cannot wait for the move (the move
        // waits for passes), so the write is refused now rather than written to the source
        // after its rows were copied.
        let held = E::key_partition_key(key).and_then(|id| self.cluster.inner.gate.held_with(id));
        if let Some(range) = held {
            return Err(Error::RangeMoving {
                start: range.start,
                end: range.end,
                waited: Duration::ZERO,
            });
        }
        let other = self.cluster.shard_of::<E>(key);
        if other == self.shard {
            return Ok(());
        }
        Err(Error::CrossShard {
            entity: E::META.entity,
            key: format!("{key:?}"),
            shard: other,
            transaction_shard: self.shard,
        })
    }

    /// Upserts `entity`; refused when its key is on another shard.
    pub async fn save<E: BotEntity>(&mut self, entity: &E) -> Result<(), Error> {
        self.check::<E>(&entity.key())?;
        self.tx.save(entity).await
    }

    /// Loads `key` inside the transaction; refused when it is on another shard.
    pub async fn load<E: BotEntity>(&mut self, key: &E::Key) -> Result<Option<E>, Error> {
        self.check::<E>(key)?;
        self.tx.load::<E>(key).await
    }

    /// Deletes `key`; refused when it is on another shard.
    pub async fn delete<E: BotEntity>(&mut self, key: &E::Key) -> Result<bool, Error> {
        self.check::<E>(key)?;
        self.tx.delete::<E>(key).await
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), Error> {
        self.tx.commit().await
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<(), Error> {
        self.tx.rollback().await
    }
}

async fn check_all(inner: &ClusterInner) {
    let policy = inner.policy;
    for shard in &inner.shards {
        for replica in &shard.replicas {
            replica
                .check(
                    policy.max_lag,
                    policy.check_every.max(Duration::from_secs(1)),
                )
                .await;
        }
    }
}

/// Checks the replicas every `check_every` while the cluster lives.
async fn check_replicas(inner: Weak<ClusterInner>) {
    loop {
        let Some(cluster) = inner.upgrade() else {
            return;
        };
        let every = cluster.policy.check_every;
        check_all(&cluster).await;
        drop(cluster);
        tokio::time::sleep(every).await;
    }
}
