//! One server as the library keeps it ([`Server`]): its pool, the registered entities, the
//! statement texts built so far and the write-behind. The operations on it are added by the
//! layers above (`repo`, `partitions`, `explain`, `monitor`, `schema_check`); the public
//! handle over one server or many is [`Db`](crate::Db).

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::behind::WriteBehind;
use crate::config::DbConfig;
use crate::pool::{PoolInner, PoolStats, PooledConn};
use crate::registry::Registry;
use crate::statements::StatementTexts;
use crate::{BotEntity, CacheStats, Error, ServerFlavor, WriteBehindConfig};

/// Idle time after which a connection lent for raw access is pinged first. Custom SQL cannot
/// be run again for its caller, so a connection that died unseen must not be lent. 100 ms
/// was too long: an embedded server killed and restarted within it left a dead connection
/// unpinged (a third of the runs of `faults.rs`). No server restarts within 10 ms, and a
/// connection handed back and forth in a loop (`bench --scenarios pool_checkout`) is idle
/// for microseconds: pinging it each time cost a round trip a checkout.
const RAW_VALIDATE_AFTER: Duration = Duration::from_millis(10);

/// A pool of connections to one server and what the calls need beside it. Cheap to clone;
/// clones share the pool.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    inner: Arc<ServerInner>,
}

#[derive(Debug)]
pub(crate) struct ServerInner {
    pool: Arc<PoolInner>,
    /// Shared with the pool, which prepares its statements on every connection.
    registry: Arc<Registry>,
    texts: StatementTexts,
    behind: Arc<WriteBehind>,
}

impl Server {
    /// Opens the pool and one connection, so a bad URL or an unreachable server is reported
    /// here rather than on the first call.
    pub(crate) async fn open(
        config: DbConfig,
        registry: Registry,
        write_behind: WriteBehindConfig,
    ) -> Result<Server, Error> {
        let server = Server::open_lazy(config, registry, write_behind)?;
        drop(server.conn().await?);
        Ok(server)
    }

    /// Like [`open`](Self::open) without opening a connection: for a server that may be
    /// down now and is used only while it is known to be up (a Galera reader node).
    pub(crate) fn open_lazy(
        config: DbConfig,
        registry: Registry,
        write_behind: WriteBehindConfig,
    ) -> Result<Server, Error> {
        let registry = Arc::new(registry);
        let behind = WriteBehind::new(write_behind, registry.type_ids());
        let inner = Arc::new(ServerInner {
            pool: PoolInner::new(config, registry.clone())?,
            registry,
            texts: StatementTexts::default(),
            behind: Arc::new(behind),
        });
        Ok(Server { inner })
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
    pub(crate) fn downgrade(&self) -> Weak<ServerInner> {
        Arc::downgrade(&self.inner)
    }

    pub(crate) fn upgrade(weak: &Weak<ServerInner>) -> Option<Server> {
        weak.upgrade().map(|inner| Server { inner })
    }

    /// A connection for custom SQL; it returns to the pool when dropped (reset first, in
    /// the background, so nothing you changed reaches the next user).
    ///
    /// A connection idle for 10 ms or more is pinged first: your SQL cannot be retried for
    /// you, so a connection that died unseen (say, in a server restart) is replaced here.
    pub(crate) async fn conn(&self) -> Result<PooledConn, Error> {
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
    pub(crate) async fn close(&self) {
        if self.behind().in_use() {
            if let Err(err) = self.shutdown().await {
                tracing::error!(error = %err, "deferred writes could not be drained before closing");
            }
        }
        self.pool().close().await;
    }

    /// The server behind the pool, asked on a pooled connection.
    pub(crate) async fn flavor(&self) -> Result<ServerFlavor, Error> {
        Ok(self.conn().await?.flavor())
    }

    /// The pool's counters at this moment.
    pub(crate) fn stats(&self) -> PoolStats {
        self.pool().stats()
    }

    /// Point loads served by joined statements.
    pub(crate) fn coalesce_stats(&self) -> crate::CoalesceStats {
        self.registry().coalesce_stats()
    }

    /// The L1 caches' counters, one entry per cached entity type.
    pub(crate) fn cache_stats(&self) -> Vec<CacheStats> {
        self.registry().cache_stats()
    }

    /// Drops `key` from `E`'s cache: for a row changed another way (raw SQL, another
    /// process), which the cache cannot see.
    pub(crate) fn invalidate<E: BotEntity>(&self, key: &E::Key) -> Result<(), Error> {
        if let Some(cache) = self.registry().plan::<E>()?.cache::<E>() {
            cache.invalidate(key);
        }
        Ok(())
    }

    /// Drops every value from `E`'s cache.
    pub(crate) fn clear_cache<E: BotEntity>(&self) -> Result<(), Error> {
        self.registry().plan::<E>()?.clear_cache();
        Ok(())
    }

    /// The settings the server was opened with.
    pub(crate) fn config(&self) -> &DbConfig {
        &self.pool().config
    }

    /// Runs CREATE TABLE IF NOT EXISTS for every registered entity.
    pub(crate) async fn create_tables(&self) -> Result<(), Error> {
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
