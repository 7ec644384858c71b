//! [`DbBuilder`]: the settings every server of a handle is opened with, and the opening.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use super::replica::Replica;
use super::{galera, ClusterPolicy, Db, GaleraSpec, Shard, Topology};
use crate::config::{DbConfig, DbUrl};
use crate::registry::Registry;
use crate::server::Server;
use crate::{BotEntity, CacheHooks, CachePolicy, Error, WriteBehindConfig};

/// One step of an entity registry, replayed for every server.
type RegistryStep = Arc<dyn Fn(&mut Registry) + Send + Sync>;

/// Configures and opens a [`Db`]: the same pool settings and entities on every server.
pub struct DbBuilder {
    topology: Topology,
    policy: ClusterPolicy,
    /// Every server's settings but its URL.
    config: DbConfig,
    registry: Vec<RegistryStep>,
    without_caches: bool,
    write_behind: WriteBehindConfig,
}

impl std::fmt::Debug for DbBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbBuilder")
            .field("topology", &self.topology)
            .field("config", &self.config)
            .field("registry steps", &self.registry.len())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// A builder for a handle on the server at `url`, with the default settings.
    pub fn builder(url: impl Into<String>) -> DbBuilder {
        let url = url.into();
        DbBuilder::new(Topology::single(url.clone()), DbConfig::new(url))
    }

    /// A builder for a handle on every server of `topology` (bot ids split over shards,
    /// each a primary and its replicas); every server gets the builder's settings.
    pub fn cluster(topology: Topology) -> DbBuilder {
        let first = topology
            .shards()
            .first()
            .map_or_else(String::new, |spec| spec.primary.expose().to_owned());
        DbBuilder::new(topology, DbConfig::new(first))
    }
}

impl DbBuilder {
    fn new(topology: Topology, config: DbConfig) -> DbBuilder {
        DbBuilder {
            topology,
            policy: ClusterPolicy::default(),
            config,
            registry: Vec::new(),
            without_caches: false,
            write_behind: WriteBehindConfig::default(),
        }
    }
    /// Uses `database` as every connection's default database, in place of the one the URL
    /// names (if any): `Db::builder("mysql://u:p@host/").database("characters")`.
    pub fn database(mut self, database: impl Into<String>) -> Self {
        self.config.database = Some(database.into());
        self
    }

    /// Turns every entity's L1 cache off, whatever the attributes say (a read replica's pool
    /// caches nothing: its reads ask for the replica on purpose).
    pub fn without_caches(mut self) -> Self {
        self.without_caches = true;
        self
    }

    /// Point loads (`load`) that miss memory while loads of the same entity are at the
    /// server join its next statement, up to `max_callers` a statement (default and most:
    /// 256, the largest prepared `IN (…)` list): the first of them runs one statement for
    /// all, and each gets its own row. Single-row saves (`save`) of a `Clone` entity do the
    /// same while a save of it is at the server: one multi-row statement commits every
    /// joined row, and each caller's `Ok` means its row is committed; when that statement
    /// fails, each caller runs its own save and gets its own result. Key-prefix reads
    /// (`load_by` of one integer column, such as a bot's events) join one `IN (…)`
    /// statement and each gets its own rows. A call that finds none running goes at once.
    /// Below 2 turns it off: every call runs its own statement.
    pub fn coalesce(self, max_callers: usize) -> Self {
        self.with_registry(move |registry| registry.set_coalesce(max_callers))
    }

    /// Connections open at once across all threads (default 64).
    pub fn max_connections(mut self, max: usize) -> Self {
        self.config.max_connections = max;
        self
    }

    /// How long a checkout waits for a free connection (default 5 s).
    pub fn checkout_timeout(mut self, timeout: Duration) -> Self {
        self.config.checkout_timeout = timeout;
        self
    }

    /// Idle time after which a connection is pinged before use (default 30 s).
    pub fn validate_after_idle(mut self, idle: Duration) -> Self {
        self.config.validate_after_idle = idle;
        self
    }

    /// How long opening one connection may take, handshake and prepares included
    /// (default 3 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// How long one statement of a repository call, transaction, bulk chunk or flush may
    /// run before the call fails with [`Error::StatementTimeout`] and its connection is
    /// closed (default [`DEFAULT_STATEMENT_TIMEOUT`](crate::DEFAULT_STATEMENT_TIMEOUT),
    /// 10 s; `None`: no limit). DDL, migrations, partition maintenance and range moves keep
    /// their own bounds.
    pub fn statement_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.config.statement_timeout = timeout.into();
        self
    }

    /// Retries after deadlocks, lock wait timeouts and lost connections (default 3).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.config.max_retries = retries;
        self
    }

    /// First pause before a retry; it doubles each attempt, with jitter (default 5 ms).
    pub fn retry_base_delay(mut self, delay: Duration) -> Self {
        self.config.retry_base_delay = delay;
        self
    }

    /// Connections a thread keeps on its own free list before returning them to the shared
    /// queue (default 4).
    pub fn local_idle_per_thread(mut self, connections: usize) -> Self {
        self.config.local_idle_per_thread = connections;
        self
    }

    /// Longest pause between reconnect attempts while the server is away (default 1 s).
    pub fn max_reconnect_delay(mut self, delay: Duration) -> Self {
        self.config.max_reconnect_delay = delay;
        self
    }

    /// Encrypts connections (needs the `tls` feature); the server's certificate is verified
    /// against the system's roots.
    pub fn tls(mut self, enabled: bool) -> Self {
        self.config.tls = enabled;
        self
    }

    /// Lets the URL turn TLS certificate and host-name checks off (`verify_ca=false`,
    /// `verify_identity=false`), which is refused otherwise: for tests against a throwaway
    /// server with a self-signed certificate, never for a real one. The Db then says so in
    /// `Debug`, in a warning when it opens, and in [`PoolStats::tls_unverified`](crate::PoolStats::tls_unverified).
    pub fn dangerously_accept_unverified_tls_for_tests(mut self) -> Self {
        self.config.unverified_tls_for_tests = true;
        self
    }

    /// Encrypts connections and also trusts this CA certificate (PEM), for servers whose
    /// certificate a private CA signed.
    pub fn tls_root_cert(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.config.tls = true;
        self.config.tls_root_cert = Some(path.into());
        self
    }

    /// Makes `E` usable with this Db; its statements are prepared on every new connection.
    /// Every call needs its entity registered ([`Error::NotRegistered`] otherwise).
    pub fn register<E: BotEntity>(self) -> Self {
        self.with_registry(|registry| registry.register::<E>())
    }

    /// Sets `E`'s L1 cache, in place of its `cache(...)` attribute: `Some(policy)` caches it
    /// (an entity without the attribute too), `None` turns caching off.
    pub fn cache<E: BotEntity + Clone>(self, policy: Option<CachePolicy>) -> Self {
        self.with_registry(move |registry| registry.set_cache::<E>(Some(policy), None))
    }

    /// Attaches hooks to `E`'s cache, in place of `cache(hooks = …)`.
    pub fn cache_hooks<E: BotEntity + Clone>(self, hooks: impl CacheHooks<E>) -> Self {
        let hooks: Arc<dyn CacheHooks<E>> = Arc::new(hooks);
        self.with_registry(move |registry| registry.set_cache::<E>(None, Some(hooks.clone())))
    }

    /// Write-behind settings: flush interval and threshold, the bound on dirty rows and what
    /// a deferred write does when it is reached.
    pub fn write_behind(mut self, config: WriteBehindConfig) -> Self {
        self.write_behind = config;
        self
    }

    /// Registers the built-in bot schema: every entity in [`crate::bots`].
    pub fn register_bot_schema(self) -> Self {
        use crate::bots::{AiValue, BotEvent, BotState, BotStrategy, Equipment};
        self.register::<BotState>()
            .register::<BotEvent>()
            .register::<AiValue>()
            .register::<BotStrategy>()
            .register::<Equipment>()
    }

    /// How a handle over shards reads from replicas, checks them and moves ranges (the
    /// default: reads from the primary; see [`ClusterPolicy`]).
    pub fn policy(mut self, policy: ClusterPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// One more step of every server's entity registry.
    fn with_registry(mut self, step: impl Fn(&mut Registry) + Send + Sync + 'static) -> Self {
        self.registry.push(Arc::new(step));
        self
    }

    /// `server`'s own registry: the same entities and caches on every server, caches off
    /// for replicas (their reads ask for the replica on purpose) and when asked.
    fn registry(&self, replica: bool) -> Registry {
        let mut registry = Registry::default();
        for step in &self.registry {
            step(&mut registry);
        }
        if replica || self.without_caches {
            registry.drop_caches();
        }
        registry
    }

    fn config_for(&self, url: &DbUrl) -> DbConfig {
        DbConfig {
            url: url.clone(),
            ..self.config.clone()
        }
    }

    /// Opens a pool on every server of the topology (one connection each, so a bad URL or
    /// an unreachable server is reported here rather than on the first call); with several
    /// shards, takes in the shard map shared on the first shard and starts following it.
    pub async fn build(self) -> Result<Db, Error> {
        let topology = self.topology.clone();
        topology.validate()?;
        let mut shards = Vec::with_capacity(topology.shards().len());
        for (index, spec) in topology.shards().iter().enumerate() {
            if let Some(cluster) = &spec.galera {
                shards.push(self.open_galera(index, cluster).await?);
                continue;
            }
            let primary = Server::open(
                self.config_for(&spec.primary),
                self.registry(false),
                self.write_behind,
            )
            .await?;
            let mut replicas = Vec::with_capacity(spec.replicas.len());
            for url in &spec.replicas {
                let server =
                    Server::open(self.config_for(url), self.registry(true), self.write_behind)
                        .await?;
                replicas.push(Replica::new(server, url.clone()));
            }
            shards.push(Shard {
                primary,
                replicas,
                next: AtomicUsize::new(0),
                galera: None,
            });
        }
        let initial = Db::from_shards(topology, self.policy, shards);
        initial.start().await?;
        Ok(initial)
    }

    /// A Galera shard: its nodes surveyed (a list that is not one cluster is refused), one
    /// server whose pool connects to the first synced node, and the monitor that moves it.
    async fn open_galera(&self, index: usize, cluster: &GaleraSpec) -> Result<Shard, Error> {
        let registry = self.registry(false);
        if let Some(meta) = registry.metas().find(|meta| meta.is_append_only()) {
            return Err(Error::AppendOnlyOnGalera {
                entity: meta.entity,
            });
        }
        let (galera, conns) = galera::survey(index, cluster, &self.config).await?;
        let writer = &cluster.nodes[galera.writer()];
        let primary = Server::open(self.config_for(writer), registry, self.write_behind).await?;
        let mut readers = Vec::with_capacity(cluster.nodes.len());
        for url in &cluster.nodes {
            let mut registry = self.registry(true);
            registry.causal_reads();
            readers.push(Server::open_lazy(
                self.config_for(url),
                registry,
                self.write_behind,
            )?);
        }
        galera.set_readers(readers);
        galera::start_monitor(
            galera.clone(),
            primary.pool(),
            conns,
            self.policy.galera_check_every,
            self.policy.galera_check_timeout,
        );
        Ok(Shard {
            primary,
            replicas: Vec::new(),
            next: AtomicUsize::new(0),
            galera: Some(galera),
        })
    }
}
