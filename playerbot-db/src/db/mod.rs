//! [`Db`]: the one handle a game holds, over one server or many. Every repository call is
//! written once here and routed by the bot id of its key (the entity's partition key):
//! writes go to the shard's primary, reads to the primary or a replica as asked. With one
//! server (`Db::builder(url)`) the topology has one shard and routing is a field read;
//! `Db::cluster(topology)` splits bot ids over shards, each a primary and its read
//! replicas on the servers' own replication, and ranges can move between shards.
//!
//! Everything a server guarantees holds per server: each keeps its own pool, cache and
//! write-behind queue (a flush to one shard never waits on another). Entities without a
//! partition key live on the first shard.
//!
//! Where each part lives: `builder.rs` ([`DbBuilder`]), `calls.rs` (save, load, delete,
//! lookups, deferred writes, flush), `reads.rs` (where a read goes: primary, replica,
//! read-your-writes), `bulk.rs` ([`BulkSave`], `save_all`), `batch.rs` ([`WriteBatch`]),
//! `transaction.rs` ([`Transaction`]), `scan.rs` ([`Scan`]), `stats.rs` (counters and
//! metrics), `policy.rs` ([`ClusterPolicy`], [`ReadFrom`]); the cluster's machinery:
//! `topology.rs`, `gate.rs` (writes held while a range moves), `hold.rs`, `parked.rs`
//! (deferred writes kept aside meanwhile), `moving.rs` (range moves), `routing.rs` (the shard
//! map shared by every process), `replica.rs`, `own_conn.rs`, `aggregate.rs`.

mod aggregate;
mod batch;
mod builder;
mod bulk;
mod calls;
mod copy;
mod following;
mod galera;
mod gate;
mod hold;
mod journal;
mod moving;
mod own_conn;
mod parked;
mod policy;
mod reads;
mod replica;
mod routing;
mod scan;
mod shared_hold;
mod stats;
mod topology;
mod transaction;

use std::ops::Range;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::Arc;
use std::time::Duration;

pub use crate::error::{MoveError, TopologyError};
pub use batch::WriteBatch;
pub use builder::DbBuilder;
pub use bulk::BulkSave;
pub use galera::GaleraNodeHealth;
pub use moving::{MoveReport, MoveState, MoveStep, OpenMove, Progress};
pub use policy::{ClusterPolicy, ReadFrom, ReadStats};
pub use replica::ReplicaHealth;
pub use routing::{Follower, SharedMap};
pub use scan::Scan;
pub use topology::{GaleraSpec, ShardSpec, Topology, SHARDS_ENV};
pub use transaction::Transaction;

use crate::behind::Op;
use crate::server::Server;
use crate::BotEntity;
use crate::Error;
use gate::{Holder, Pass, WriteGate};
use hold::HoldGuard;
use replica::Replica;

/// One shard's servers.
#[derive(Debug)]
struct Shard {
    primary: Server,
    replicas: Vec<Replica>,
    /// Round robin over the replicas.
    next: AtomicUsize,
    /// Set when the shard is a Galera cluster (its primary's pool follows the writer).
    galera: Option<Arc<galera::GaleraShard>>,
}

#[derive(Debug)]
struct DbInner {
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
    /// Shared holds of dropped moves, for the task that lets go of them (with a member).
    dropped_holds: Option<tokio::sync::mpsc::UnboundedSender<u64>>,
    /// Reads that asked for a replica and got one.
    replica_reads: AtomicU64,
    /// Reads that asked for a replica and went to the primary (none in rotation, behind,
    /// or failing).
    fallbacks: AtomicU64,
}

/// The handle on one server or on every shard of a cluster, with every repository call;
/// cheap to clone (clones share the pools). Open one with [`Db::builder`] (one server) or
/// [`Db::cluster`] (shards).
#[derive(Debug, Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

impl Db {
    fn from_shards(topology: Topology, policy: ClusterPolicy, shards: Vec<Shard>) -> Db {
        let map = topology
            .shards()
            .iter()
            .enumerate()
            .map(|(index, spec)| (spec.ids.clone(), index))
            .collect();
        let member = (shards.len() > 1).then(routing::Member::new);
        let (dropped_holds, releases) = match member {
            Some(_) => {
                let (sender, receiver) = hold::releaser();
                (Some(sender), Some(receiver))
            }
            None => (None, None),
        };
        let db = Db {
            inner: Arc::new(DbInner {
                topology,
                map: std::sync::RwLock::new(map),
                gate: WriteGate::default(),
                parked: parked::Parked::default(),
                moves: Arc::new(tokio::sync::Mutex::new(())),
                shards,
                policy,
                member,
                dropped_holds,
                replica_reads: AtomicU64::new(0),
                fallbacks: AtomicU64::new(0),
            }),
        };
        if let Some(releases) = releases {
            tokio::spawn(hold::release_dropped(Arc::downgrade(&db.inner), releases));
        }
        db
    }

    /// Starts what a handle over replicas or shards runs in the background: the replica
    /// checks, and the following of the shared shard map (taken in first: moves made by any
    /// process since are in it, and a move holding a range now is held here from the start).
    async fn start(&self) -> Result<(), Error> {
        if self
            .inner
            .shards
            .iter()
            .any(|shard| !shard.replicas.is_empty())
        {
            tokio::spawn(stats::check_replicas(Arc::downgrade(&self.inner)));
        }
        if self.inner.member.is_some() {
            let initial = self.routes();
            let (routes, version) = routing::prepare(self, &initial).await?;
            self.set_routes(routes);
            self.routes_taken_in(version);
            self.follow_once().await?;
            tokio::spawn(following::follow(Arc::downgrade(&self.inner)));
        }
        Ok(())
    }

    /// A handle on `server` alone (a shard's primary or a replica, as `primary(i)` and
    /// `replicas(i)` give them): it shares the server's pool, cache and queue, and routes
    /// nothing.
    fn on_server(server: Server, url: crate::DbUrl) -> Db {
        let topology = Topology::single(url.expose());
        let shard = Shard {
            primary: server,
            replicas: Vec::new(),
            next: AtomicUsize::new(0),
            galera: None,
        };
        Db::from_shards(topology, ClusterPolicy::default(), vec![shard])
    }

    /// Whether calls are routed at all: with one shard nothing moves and nothing is held.
    fn sharded(&self) -> bool {
        self.inner.shards.len() > 1
    }

    /// The shard map the handle was built with (moves change [`routes`](Self::routes), not
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

    /// The number of shards (1 for a handle on one server).
    pub fn shard_count(&self) -> usize {
        self.inner.shards.len()
    }

    /// The shard bot id `id` is routed to.
    pub fn shard_of_id(&self, id: u64) -> usize {
        if !self.sharded() {
            return 0;
        }
        let map = self.inner.map.read().expect("map lock");
        map.iter()
            .find(|(range, _)| range.contains(&id))
            .or(map.last())
            .map_or(0, |(_, shard)| *shard)
    }

    /// The shard that holds `key` of `E`: by its partition key, the first shard without one.
    pub fn shard_of<E: BotEntity>(&self, key: &E::Key) -> usize {
        if !self.sharded() {
            return 0;
        }
        E::key_partition_key(key).map_or(0, |id| self.shard_of_id(id))
    }

    /// A handle on shard `shard`'s primary alone, for calls the handle does not route
    /// itself (raw SQL there, maintenance of one server). It shares that server's pool,
    /// cache and write-behind queue; writes through it pass no move's hold.
    pub fn primary(&self, shard: usize) -> Db {
        let spec = &self.inner.topology.shards()[shard];
        Db::on_server(self.server(shard).clone(), spec.primary.clone())
    }

    /// Handles on shard `shard`'s replicas alone, for reads the handle does not route
    /// itself.
    pub fn replicas(&self, shard: usize) -> Vec<Db> {
        self.inner.shards[shard]
            .replicas
            .iter()
            .map(|replica| Db::on_server(replica.db.clone(), replica.url.clone()))
            .collect()
    }

    /// Shard `shard`'s primary.
    fn server(&self, shard: usize) -> &Server {
        &self.inner.shards[shard].primary
    }

    /// The one server every call goes to: one shard without replicas (nothing to route,
    /// nothing a move can hold).
    fn only_server(&self) -> Option<&Server> {
        match &*self.inner.shards {
            [shard] if shard.replicas.is_empty() => Some(&shard.primary),
            _ => None,
        }
    }

    /// The one server every default read goes to: [`only_server`](Self::only_server), unless
    /// it is a Galera shard whose policy reads from the other nodes.
    fn only_server_for_reads(&self) -> Option<&Server> {
        let server = self.only_server()?;
        let galera_reads = self.inner.policy.default_read != ReadFrom::Primary
            && self.inner.shards[0].galera.is_some();
        (!galera_reads).then_some(server)
    }

    /// Every shard's primary, in shard order.
    pub(crate) fn servers(&self) -> impl Iterator<Item = &Server> {
        self.inner.shards.iter().map(|shard| &shard.primary)
    }

    /// The first shard's primary: where entities without a partition key live, and what
    /// calls about one server (raw connections, plans, server stats) ask.
    pub(crate) fn first_server(&self) -> &Server {
        self.server(0)
    }

    /// The primary that holds `key` of `E`.
    pub(crate) fn server_of<E: BotEntity>(&self, key: &E::Key) -> &Server {
        self.server(self.shard_of::<E>(key))
    }

    /// The primary the routes name for bot id `id` (the first shard's for none).
    fn server_of_id(&self, id: Option<u64>) -> &Server {
        self.server(id.map_or(0, |id| self.shard_of_id(id)))
    }

    /// The one shard every item of `shards` names; `None` when they name several (or none).
    fn only_shard(&self, mut shards: impl Iterator<Item = usize>) -> Option<usize> {
        if !self.sharded() {
            return Some(0);
        }
        let first = shards.next()?;
        shards.all(|shard| shard == first).then_some(first)
    }

    /// A pass for a write to bot ids for which `touches` holds: shared with every other
    /// write, waiting (at most `move_wait`) while a move holds a range it touches. Keep it
    /// until the write is done: a move waits for passes out before it copies or switches.
    /// With one shard nothing is ever held, and there is no pass to take.
    async fn write_pass(
        &self,
        touches: impl Fn(&Range<u64>) -> bool,
    ) -> Result<Option<Pass>, Error> {
        if !self.sharded() {
            return Ok(None);
        }
        let pass = self
            .inner
            .gate
            .pass(touches, self.inner.policy.move_wait)
            .await?;
        Ok(Some(pass))
    }

    /// A pass for a write to `key` of `E`.
    async fn key_pass<E: BotEntity>(&self, key: &E::Key) -> Result<Option<Pass>, Error> {
        let id = E::key_partition_key(key);
        self.write_pass(|range| id.is_some_and(|id| range.contains(&id)))
            .await
    }

    /// A direct write of `key` supersedes a deferred one kept aside during a move.
    fn supersede_parked<E: BotEntity>(&self, key: &E::Key) {
        if self.sharded() {
            self.inner.parked.supersede::<E>(key);
        }
    }

    /// Holds writes to `ids`, in this process and (through the shared map) in every other,
    /// until the returned guard is dropped; returns once the writes in flight everywhere
    /// have ended and every process has flushed its queued writes to the range.
    async fn hold(&self, ids: Range<u64>, token: u64) -> Result<HoldGuard, Error> {
        // The token is known before the hold is sent: a move dropped at any point lets go
        // of its own hold, and never of a later one.
        let mut guard = HoldGuard::new(self.clone(), token);
        let held = async {
            let epoch = self.hold_shared(&ids, token).await?;
            self.hold_local(Holder::Move(token), ids).await?;
            guard.holds_here();
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
        let queue_of = |id| self.server_of_id(id).clone();
        self.inner
            .parked
            .release_and_drain(|| gate.release(holder), &still_held, &queue_of);
        gate.wake();
    }

    /// A deferred write: queued on its shard at once, or, while a move holds its range,
    /// parked until the hold is let go of — never waiting on the move.
    async fn defer<E: BotEntity + Clone>(&self, key: E::Key, op: Op<E>) -> Result<(), Error> {
        if !self.sharded() {
            return self.server(0).defer(key, op).await;
        }
        let id = E::key_partition_key(&key);
        let touches = |range: &Range<u64>| id.is_some_and(|id| range.contains(&id));
        let mut pending = (key, op);
        loop {
            let (key, op) = pending;
            // The common case: nothing held, nothing parked — no lock taken.
            if !self.inner.gate.held_any() && self.inner.parked.len() == 0 {
                if let Some(_pass) = self.inner.gate.try_pass(touches) {
                    return self.server_of::<E>(&key).defer(key, op).await;
                }
            }
            let held = || id.is_some_and(|id| self.inner.gate.held_with(id).is_some());
            let Some((key, op)) = self.inner.parked.park_if(key, op, held) else {
                return Ok(());
            };
            // Not held: through the queue, with a pass, so a hold that starts now waits for
            // it. No pass to be had without waiting means a hold is being taken: park then.
            if let Some(_pass) = self.inner.gate.try_pass(touches) {
                return self.server_of::<E>(&key).defer(key, op).await;
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
            for server in self.servers() {
                server.registry().clear_all_caches();
            }
        }
    }

    /// How long a write waits for a move's hold (also the longest `close` waits for one).
    fn move_wait(&self) -> Duration {
        self.inner.policy.move_wait
    }
}
