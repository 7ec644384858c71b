//! Checkout, return and the bound.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::Opts;

use super::local::{with_shard, LocalShard};
use super::reconnect::Reconnect;
use super::stats::{Counters, PoolStats};
use super::{PooledConn, ServerConn};
use crate::bulk::StatementTexts;
use crate::config::DbConfig;
use crate::registry::Registry;
use crate::Error;

#[derive(Debug)]
pub(crate) struct PoolInner {
    id: u64,
    pub(crate) config: DbConfig,
    opts: Opts,
    pub(crate) registry: Registry,
    /// Texts of bulk statements built so far.
    pub(crate) texts: StatementTexts,
    /// Connections counted against the bound: idle, in use, and being opened.
    open: AtomicUsize,
    overflow: Mutex<VecDeque<ServerConn>>,
    shards: Mutex<Vec<Weak<LocalShard>>>,
    waiters: AtomicUsize,
    returned: tokio::sync::Notify,
    reconnect: Mutex<Reconnect>,
    pub(super) counters: Counters,
    /// Ourselves, for the connections we open (they give their place back on close).
    this: Weak<PoolInner>,
}

/// Counts a waiting checkout for as long as it waits, even if its future is dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PoolInner {
    pub(crate) fn new(config: DbConfig, registry: Registry) -> Result<Arc<PoolInner>, Error> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        if config.max_connections == 0 {
            return Err(Error::Config("max_connections must be at least 1".into()));
        }
        let opts = config.driver_opts(registry.statement_count())?;
        Ok(Arc::new_cyclic(|this| PoolInner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            config,
            opts,
            registry,
            texts: StatementTexts::default(),
            open: AtomicUsize::new(0),
            overflow: Mutex::new(VecDeque::new()),
            shards: Mutex::new(Vec::new()),
            waiters: AtomicUsize::new(0),
            returned: tokio::sync::Notify::new(),
            reconnect: Mutex::new(Reconnect::default()),
            counters: Counters::default(),
            this: this.clone(),
        }))
    }

    pub(super) fn id(&self) -> u64 {
        self.id
    }

    /// A connection: this thread's own idle one if it has one, else the slow path.
    pub(crate) async fn get(self: &Arc<Self>) -> Result<PooledConn<'_>, Error> {
        let local = with_shard(self, |shard| {
            let conn = shard.idle.lock().expect("shard lock").pop();
            if conn.is_some() {
                shard.checkouts.fetch_add(1, Ordering::Relaxed);
            }
            conn
        });
        if let Some(conn) = local.flatten() {
            if let Some(conn) = self.make_ready(conn).await {
                return Ok(PooledConn::new(self, conn));
            }
        }
        self.get_slow().await
    }

    async fn get_slow(self: &Arc<Self>) -> Result<PooledConn<'_>, Error> {
        let started = Instant::now();
        let deadline = started + self.config.checkout_timeout;
        let mut waited = false;
        loop {
            if let Some(conn) = self.take_shared() {
                if let Some(conn) = self.make_ready(conn).await {
                    self.count_slow_checkout(waited, started);
                    return Ok(PooledConn::new(self, conn));
                }
                continue;
            }
            if self.reserve() {
                let conn = self.open_reserved().await?;
                self.count_slow_checkout(waited, started);
                return Ok(PooledConn::new(self, conn));
            }
            // Nothing free and at the bound: wait for a return or a close.
            self.waiters.fetch_add(1, Ordering::SeqCst);
            let waiting = Waiting(&self.waiters);
            let notified = self.returned.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // Something may have come back between the checks above and `enable`, to the
            // shared queue or to a thread's list (see `check_in`).
            if self.has_idle() || self.open.load(Ordering::SeqCst) < self.config.max_connections {
                drop(waiting);
                continue;
            }
            waited = true;
            let timed_out = tokio::time::timeout_at(deadline.into(), notified)
                .await
                .is_err();
            drop(waiting);
            if timed_out {
                Counters::bump(&self.counters.timeouts);
                metrics::counter!("playerbot_db_pool_timeouts_total").increment(1);
                let open = self.open.load(Ordering::Relaxed);
                return Err(Error::PoolTimeout {
                    waited: started.elapsed(),
                    in_use: open.saturating_sub(self.idle_count()),
                    max: self.config.max_connections,
                });
            }
        }
    }

    fn count_slow_checkout(&self, waited: bool, started: Instant) {
        Counters::bump(&self.counters.slow_checkouts);
        if waited {
            Counters::bump(&self.counters.waits);
            let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.counters.wait_nanos.fetch_add(nanos, Ordering::Relaxed);
        }
    }

    /// From the shared queue, or else from another thread's list.
    fn take_shared(&self) -> Option<ServerConn> {
        if let Some(conn) = self.overflow.lock().expect("overflow lock").pop_front() {
            return Some(conn);
        }
        let shards = self.shards.lock().expect("shards lock");
        shards
            .iter()
            .filter_map(Weak::upgrade)
            .find_map(|shard| shard.idle.try_lock().ok()?.pop())
    }

    /// Whether any connection is idle anywhere. Each thread's list is looked at under its
    /// lock, which orders this look against a concurrent `check_in` on that thread.
    fn has_idle(&self) -> bool {
        if !self.overflow.lock().expect("overflow lock").is_empty() {
            return true;
        }
        let shards = self.shards.lock().expect("shards lock");
        shards
            .iter()
            .filter_map(Weak::upgrade)
            .any(|shard| !shard.idle.lock().expect("shard lock").is_empty())
    }

    /// Takes a place under the bound, if one is free.
    fn reserve(&self) -> bool {
        let max = self.config.max_connections;
        self.open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |open| {
                (open < max).then_some(open + 1)
            })
            .is_ok()
    }

    /// Opens a connection in a place already reserved; gives the place back on failure.
    async fn open_reserved(&self) -> Result<ServerConn, Error> {
        let checked = self.reconnect.lock().expect("reconnect lock").check();
        let result = match checked {
            Ok(()) => ServerConn::open(&self.opts, &self.registry, self.this.clone()).await,
            Err(err) => Err(err),
        };
        match result {
            Ok(conn) => {
                self.reconnect.lock().expect("reconnect lock").succeeded();
                Counters::bump(&self.counters.connects);
                metrics::counter!("playerbot_db_pool_connects_total").increment(1);
                Ok(conn)
            }
            Err(err) => {
                let mut reconnect = self.reconnect.lock().expect("reconnect lock");
                if !matches!(&err, Error::Connect { message } if message.contains("retrying in")) {
                    Counters::bump(&self.counters.connect_failures);
                    metrics::counter!("playerbot_db_pool_connect_failures_total").increment(1);
                    tracing::warn!(url = %self.config.url, error = %err, "cannot open a database connection");
                    reconnect.failed(&err, self.config.max_reconnect_delay);
                }
                drop(reconnect);
                self.connection_closed();
                Err(match err {
                    Error::Connect { .. } | Error::Config(_) | Error::UnknownServer(_) => err,
                    other => Error::Connect {
                        message: other.to_string(),
                    },
                })
            }
        }
    }

    /// Readies an idle connection for use: rolls back an abandoned transaction, and pings it
    /// when it sat idle long enough that the server may have closed it. `None` when it is
    /// no longer usable (it is closed).
    async fn make_ready(&self, mut conn: ServerConn) -> Option<ServerConn> {
        if conn.needs_rollback {
            if conn.conn.query_drop("ROLLBACK").await.is_err() {
                return None;
            }
            conn.needs_rollback = false;
        }
        if conn.last_used.elapsed() >= self.config.validate_after_idle
            && conn.conn.ping().await.is_err()
        {
            return None;
        }
        Some(conn)
    }

    /// Takes a connection back from a finished checkout.
    pub(super) fn check_in(self: &Arc<Self>, mut conn: ServerConn) {
        if conn.broken {
            return; // Dropping it closes it and frees its place.
        }
        conn.last_used = Instant::now();
        if self.waiters.load(Ordering::SeqCst) == 0 {
            let max_local = self.config.local_idle_per_thread;
            let mut spare = Some(conn);
            with_shard(self, |shard| {
                let mut idle = shard.idle.lock().expect("shard lock");
                if idle.len() < max_local {
                    idle.push(spare.take().expect("not yet placed"));
                }
            });
            match spare {
                None => {
                    // A checkout may have started waiting between the first look at
                    // `waiters` and the push: it cannot see this thread's list, so hand it a
                    // connection through the shared queue. (Both sides use SeqCst: either the
                    // waiter's own check finds the connection, or this load sees the waiter.)
                    if self.waiters.load(Ordering::SeqCst) > 0 {
                        let handed =
                            with_shard(self, |shard| shard.idle.lock().expect("shard lock").pop());
                        if let Some(conn) = handed.flatten() {
                            self.overflow.lock().expect("overflow lock").push_back(conn);
                            self.returned.notify_one();
                        }
                    }
                    return;
                }
                Some(unplaced) => conn = unplaced,
            }
        }
        self.overflow.lock().expect("overflow lock").push_back(conn);
        self.returned.notify_one();
    }

    /// A connection closed (or an open failed): its place under the bound is free again.
    pub(super) fn connection_closed(&self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
        self.returned.notify_one();
    }

    pub(super) fn register_shard(&self, shard: Weak<LocalShard>) {
        let mut shards = self.shards.lock().expect("shards lock");
        shards.retain(|shard| shard.strong_count() > 0);
        shards.push(shard);
    }

    pub(super) fn retire_shard_checkouts(&self, checkouts: u64) {
        self.counters
            .retired_checkouts
            .fetch_add(checkouts, Ordering::Relaxed);
    }

    fn idle_count(&self) -> usize {
        let shared = self.overflow.lock().expect("overflow lock").len();
        let shards = self.shards.lock().expect("shards lock");
        shared
            + shards
                .iter()
                .filter_map(Weak::upgrade)
                .map(|shard| shard.idle.lock().expect("shard lock").len())
                .sum::<usize>()
    }

    pub(crate) fn count_retry(&self) {
        Counters::bump(&self.counters.retries);
        metrics::counter!("playerbot_db_retries_total").increment(1);
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let c = &self.counters;
        let local_checkouts: u64 = {
            let shards = self.shards.lock().expect("shards lock");
            shards
                .iter()
                .filter_map(Weak::upgrade)
                .map(|s| s.checkouts.load(Ordering::Relaxed))
                .sum()
        };
        let idle = self.idle_count();
        let open = self.open.load(Ordering::SeqCst);
        PoolStats {
            open,
            idle,
            in_use: open.saturating_sub(idle),
            max: self.config.max_connections,
            checkouts: local_checkouts
                + c.slow_checkouts.load(Ordering::Relaxed)
                + c.retired_checkouts.load(Ordering::Relaxed),
            waits: c.waits.load(Ordering::Relaxed),
            wait_time: Duration::from_nanos(c.wait_nanos.load(Ordering::Relaxed)),
            timeouts: c.timeouts.load(Ordering::Relaxed),
            connects: c.connects.load(Ordering::Relaxed),
            connect_failures: c.connect_failures.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
        }
    }
}
