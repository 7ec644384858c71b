//! The handle a server keeps ([`Db`]): its pool, the registered entities, the statement
//! texts built so far and the write-behind; and its builder ([`DbBuilder`]). The calls
//! themselves are added by the layers above (`repo`, `partitions`, `migrate`, …).

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::behind::WriteBehind;
use crate::config::DbConfig;
use crate::pool::{PoolInner, PoolStats, PooledConn};
use crate::registry::Registry;
use crate::statements::StatementTexts;
use crate::{
    BotEntity, CacheHooks, CachePolicy, CacheStats, Error, ServerFlavor, WriteBehindConfig,
};

/// Idle time after which a connection lent for raw access is pinged first.
const RAW_VALIDATE_AFTER: Duration = Duration::from_millis(100);

/// A pool of connections to one server and the repository calls on top of it. Cheap to
/// clone; clones share the pool.
#[derive(Debug, Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

#[derive(Debug)]
pub(crate) struct DbInner {
    pool: Arc<PoolInner>,
    /// Shared with the pool, which prepares its statements on every connection.
    registry: Arc<Registry>,
    texts: StatementTexts,
    behind: Arc<WriteBehind>,
}

/// Configures and opens a [`Db`].
#[derive(Debug)]
pub struct DbBuilder {
    config: DbConfig,
    registry: Registry,
    write_behind: WriteBehindConfig,
}

impl Db {
    /// A builder for a `Db` on the server at `url`, with the default settings.
    pub fn builder(url: impl Into<String>) -> DbBuilder {
        DbBuilder {
            config: DbConfig::new(url),
            registry: Registry::default(),
            write_behind: WriteBehindConfig::default(),
        }
    }

    pub(crate) fn pool(&self) -> &Arc<PoolInner> {
        &self.inner.pool
    }

    /// The registered entities and their plans.
    pub(crate) fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The statement texts built at run time so far.
    pub(crate) fn texts(&self) -> &StatementTexts {
        &self.inner.texts
    }

    pub(crate) fn behind(&self) -> &Arc<WriteBehind> {
        &self.inner.behind
    }

    /// A handle that does not keep the pool open (the write-behind's sinks hold one).
    pub(crate) fn downgrade(&self) -> Weak<DbInner> {
        Arc::downgrade(&self.inner)
    }

    pub(crate) fn upgrade(weak: &Weak<DbInner>) -> Option<Db> {
        weak.upgrade().map(|inner| Db { inner })
    }

    /// A connection for custom SQL; it returns to the pool when dropped (reset first, in
    /// the background, so nothing you changed reaches the next user).
    ///
    /// A connection idle for 100 ms or more is pinged first: your SQL cannot be retried for
    /// you, so a connection that died unseen (say, in a server restart) is replaced here.
    pub async fn conn(&self) -> Result<PooledConn, Error> {
        let pool = self.pool();
        let validate_after = RAW_VALIDATE_AFTER.min(pool.config.validate_after_idle);
        let conn = pool.get_validated(validate_after).await?;
        Ok(PooledConn::new(pool.clone(), conn))
    }

    /// A connection for the crate's own routines, which keep its state up to date (no raw
    /// access, so no reset on return and no ping for raw use).
    pub(crate) async fn lease(&self) -> Result<PooledConn, Error> {
        let pool = self.pool();
        Ok(PooledConn::new(pool.clone(), pool.get().await?))
    }

    /// Closes every connection: idle ones now, ones in use when they come back. Calls made
    /// afterwards, on this handle or any clone, fail at once with [`Error::Closed`].
    /// Dropping the last handle closes the idle connections too, without waiting.
    ///
    /// Deferred writes are drained first ([`shutdown`](Self::shutdown)): `close` returns once
    /// the server has every accepted row. A drain that fails (the server gone for good) is
    /// logged and the rows still queued are lost; bound `close` with a timeout if the
    /// server may be away.
    pub async fn close(&self) {
        if self.behind().in_use() {
            if let Err(err) = self.shutdown().await {
                tracing::error!(error = %err, "deferred writes could not be drained before closing");
            }
        }
        self.pool().close().await;
    }

    /// The server behind the pool, asked on a pooled connection.
    pub async fn flavor(&self) -> Result<ServerFlavor, Error> {
        Ok(self.conn().await?.flavor())
    }

    /// The pool's counters at this moment.
    pub fn stats(&self) -> PoolStats {
        self.pool().stats()
    }

    /// The L1 caches' counters, one entry per cached entity type.
    pub fn cache_stats(&self) -> Vec<CacheStats> {
        self.registry().cache_stats()
    }

    /// Publishes the pool, cache and write-behind snapshots through the `metrics` facade, so
    /// whatever exporter the game server installed (Prometheus, say) serves them. Call it
    /// now and then (once a second is plenty); flush durations are recorded as a histogram
    /// (`playerbot_db_write_behind_flush_seconds`) as they happen.
    pub fn export_metrics(&self) {
        self.stats().export_metrics();
        for cache in self.cache_stats() {
            cache.export_metrics();
        }
        self.write_behind_stats().export_metrics();
    }

    /// Drops `key` from `E`'s cache: for a row changed another way (raw SQL, another
    /// process), which the cache cannot see.
    pub fn invalidate<E: BotEntity>(&self, key: &E::Key) -> Result<(), Error> {
        if let Some(cache) = self.registry().plan::<E>()?.cache::<E>() {
            cache.invalidate(key);
        }
        Ok(())
    }

    /// Drops every value from `E`'s cache.
    pub fn clear_cache<E: BotEntity>(&self) -> Result<(), Error> {
        self.registry().plan::<E>()?.clear_cache();
        Ok(())
    }

    /// The settings the `Db` was opened with.
    pub fn config(&self) -> &DbConfig {
        &self.pool().config
    }

    /// Runs CREATE TABLE IF NOT EXISTS for every registered entity.
    pub async fn create_tables(&self) -> Result<(), Error> {
        use mysql_async::prelude::Queryable;
        let mut conn = self.conn().await?;
        let conn = conn.server();
        let dialect = conn.dialect();
        for meta in self.registry().metas() {
            let sql = meta.statements(dialect).create_table;
            let context = || crate::error::Context {
                entity: Some(meta.entity),
                statement: Some("create_table"),
                ..Default::default()
            };
            crate::pool::statement!(conn, context, text = sql, |c| c.query_drop(sql))?;
        }
        // Tables created after the connection opened: read their engines and charsets now.
        self.registry().schema_may_have_changed();
        let context = || crate::error::Context {
            statement: Some("read live tables"),
            ..Default::default()
        };
        crate::pool::statement!(conn, context, |c| self.registry().learn_live_tables(c))?;
        Ok(())
    }
}

impl DbBuilder {
    /// Uses `database` as every connection's default database, in place of the one the URL
    /// names (if any): `Db::builder("mysql://u:p@host/").database("characters")`.
    pub fn database(mut self, database: impl Into<String>) -> Self {
        self.config.database = Some(database.into());
        self
    }

    /// Turns every entity's L1 cache off, whatever the attributes say (a read replica's pool
    /// caches nothing: its reads ask for the replica on purpose).
    pub fn without_caches(mut self) -> Self {
        self.registry.drop_caches();
        self
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
    pub fn register<E: BotEntity>(mut self) -> Self {
        self.registry.register::<E>();
        self
    }

    /// Sets `E`'s L1 cache, in place of its `cache(...)` attribute: `Some(policy)` caches it
    /// (an entity without the attribute too), `None` turns caching off.
    pub fn cache<E: BotEntity + Clone>(mut self, policy: Option<CachePolicy>) -> Self {
        self.registry.set_cache::<E>(Some(policy), None);
        self
    }

    /// Attaches hooks to `E`'s cache, in place of `cache(hooks = …)`.
    pub fn cache_hooks<E: BotEntity + Clone>(mut self, hooks: impl CacheHooks<E>) -> Self {
        self.registry.set_cache::<E>(None, Some(Arc::new(hooks)));
        self
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

    /// Opens the pool and one connection, so a bad URL or an unreachable server is reported
    /// here rather than on the first call.
    pub async fn build(self) -> Result<Db, Error> {
        let registry = Arc::new(self.registry);
        let behind = WriteBehind::new(self.write_behind, registry.type_ids());
        let db = Db {
            inner: Arc::new(DbInner {
                pool: PoolInner::new(self.config, registry.clone())?,
                registry,
                texts: StatementTexts::default(),
                behind: Arc::new(behind),
            }),
        };
        drop(db.conn().await?);
        Ok(db)
    }
}
