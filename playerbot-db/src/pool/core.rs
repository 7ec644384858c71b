//! Checkout, return and the bound.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::Opts;

use super::local::{with_shard, LocalShard};
use super::open::Opening;
use super::reconnect::Reconnect;
use super::recycler::Recycler;
use super::setup::ConnSetup;
use super::state::Busy;
use super::stats::{Counters, PoolStats};
use super::waiters::{Handoff, Waiters};
use super::{Place, ServerConn};
use crate::config::DbConfig;
use crate::Error;

pub(crate) struct PoolInner {
    id: u64,
    pub(crate) config: DbConfig,
    /// The driver's options for new connections (see the target module); they hold the
    /// password, so `Debug` leaves them out.
    pub(super) target: Mutex<Opts>,
    /// Bumped by every retarget; a connection of an older one is never lent again.
    pub(super) generation: AtomicU64,
    /// Readies each connection it opens or resets (prepares the entities' statements).
    pub(super) setup: Arc<dyn ConnSetup>,
    /// Places under the bound in use: idle and lent connections, and opens under way.
    open: AtomicUsize,
    overflow: Mutex<VecDeque<ServerConn>>,
    shards: Mutex<Vec<Weak<LocalShard>>>,
    waiters: Waiters,
    closed: AtomicBool,
    /// Connections found dead so far. One that was last known to work before the latest
    /// loss is pinged before it is lent: after a restart, every idle connection is dead.
    losses: AtomicU64,
    pub(super) reconnect: Mutex<Reconnect>,
    pub(super) recycler: Recycler,
    pub(super) counters: Counters,
    /// The newest connection's `max_ws_rows` (0: no bound): how the write-behind splits a
    /// flush on a Galera node.
    pub(crate) ws_rows: AtomicUsize,
    /// Told when a connection is lost or a call retries (a Galera shard's monitor).
    trouble: std::sync::OnceLock<Arc<tokio::sync::Notify>>,
    /// Ourselves, for the places our connections hold.
    this: Weak<PoolInner>,
}

impl fmt::Debug for PoolInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolInner")
            .field("config", &self.config)
            .field("open", &self.open.load(Ordering::Relaxed))
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl PoolInner {
    pub(crate) fn new(
        config: DbConfig,
        setup: Arc<dyn ConnSetup>,
    ) -> Result<Arc<PoolInner>, Error> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        if config.max_connections == 0 {
            return Err(Error::InvalidSetting {
                setting: "max_connections",
                problem: "must be at least 1",
            });
        }
        let opts = config.driver_opts(setup.statement_count())?;
        Ok(Arc::new_cyclic(|this| PoolInner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            config,
            target: Mutex::new(opts),
            generation: AtomicU64::new(0),
            setup,
            open: AtomicUsize::new(0),
            overflow: Mutex::new(VecDeque::new()),
            shards: Mutex::new(Vec::new()),
            waiters: Waiters::default(),
            closed: AtomicBool::new(false),
            losses: AtomicU64::new(0),
            reconnect: Mutex::new(Reconnect::default()),
            recycler: Recycler::default(),
            counters: Counters::default(),
            trouble: std::sync::OnceLock::new(),
            ws_rows: AtomicUsize::new(0),
            this: this.clone(),
        }))
    }

    pub(super) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// A connection: this thread's own idle one if it has one and nobody waits, else the
    /// slow path. Never waits past the checkout timeout.
    pub(crate) async fn get(self: &Arc<Self>) -> Result<ServerConn, Error> {
        self.get_validated(self.config.validate_after_idle).await
    }

    /// Like [`get`](Self::get), pinging a connection idle for `validate_after` or longer.
    /// Raw access (`Db::conn`) uses a short one: the caller's own SQL cannot be run again
    /// by a retry, so a connection that died unseen (a server restart) is found here.
    pub(crate) async fn get_validated(
        self: &Arc<Self>,
        validate_after: Duration,
    ) -> Result<ServerConn, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        if !self.waiters.any() {
            let local = with_shard(self, |shard| {
                let conn = shard.idle.lock().expect("shard lock").pop();
                if conn.is_some() {
                    shard.checkouts.fetch_add(1, Ordering::Relaxed);
                }
                conn
            });
            if let Some(conn) = local.flatten() {
                if let Some(conn) = self.make_ready(conn, validate_after, None).await {
                    return Ok(conn);
                }
            }
        }
        self.get_slow(validate_after).await
    }

    async fn get_slow(self: &Arc<Self>, validate_after: Duration) -> Result<ServerConn, Error> {
        let started = Instant::now();
        let deadline = started + self.config.checkout_timeout;
        let mut waited = false;
        loop {
            if self.is_closed() {
                return Err(Error::Closed);
            }
            // Checkouts already waiting are served first.
            if !self.waiters.any() {
                if let Some(conn) = self.take_shared() {
                    if let Some(conn) = self.make_ready(conn, validate_after, Some(deadline)).await
                    {
                        self.count_slow_checkout(waited, started);
                        return Ok(conn);
                    }
                    continue;
                }
                if let Some(place) = self.reserve() {
                    let conn = self.open_in(place, started, deadline).await?;
                    self.count_slow_checkout(waited, started);
                    return Ok(conn);
                }
            }
            let mut ticket = self.waiters.join(self);
            // A connection or a place may have come free between the looks above and
            // joining the queue, unseen by whoever freed it (see `store` and `release_place`).
            if let Some(conn) = self.take_shared() {
                drop(ticket);
                if let Some(conn) = self.make_ready(conn, validate_after, Some(deadline)).await {
                    self.count_slow_checkout(waited, started);
                    return Ok(conn);
                }
                continue;
            }
            if let Some(place) = self.reserve() {
                drop(ticket);
                let conn = self.open_in(place, started, deadline).await?;
                self.count_slow_checkout(waited, started);
                return Ok(conn);
            }
            waited = true;
            let handed = tokio::time::timeout_at(deadline.into(), &mut ticket.receiver).await;
            match handed {
                Ok(Ok(Handoff::Conn(conn))) => {
                    drop(ticket);
                    if let Some(conn) = self.make_ready(conn, validate_after, Some(deadline)).await
                    {
                        self.count_slow_checkout(waited, started);
                        return Ok(conn);
                    }
                }
                Ok(Ok(Handoff::Place(place))) => {
                    drop(ticket);
                    let conn = self.open_in(place, started, deadline).await?;
                    self.count_slow_checkout(waited, started);
                    return Ok(conn);
                }
                // The queue was cleared: the pool is closing (checked at the loop's top).
                Ok(Err(_)) => {}
                Err(_) => {
                    drop(ticket);
                    return Err(self.timeout_error(started));
                }
            }
        }
    }

    pub(super) fn timeout_error(&self, started: Instant) -> Error {
        Counters::bump(&self.counters.timeouts);
        metrics::counter!("playerbot_db_pool_timeouts_total").increment(1);
        let open = self.open.load(Ordering::Relaxed);
        Error::PoolTimeout {
            waited: started.elapsed(),
            in_use: open.saturating_sub(self.idle_count()),
            max: self.config.max_connections,
        }
    }

    fn count_slow_checkout(&self, waited: bool, started: Instant) {
        Counters::bump(&self.counters.slow_checkouts);
        if waited {
            Counters::bump(&self.counters.waits);
            let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.counters.wait_nanos.fetch_add(nanos, Ordering::Relaxed);
            self.counters
                .max_wait_nanos
                .fetch_max(nanos, Ordering::Relaxed);
        }
    }

    /// Opens a connection in `place` on a task of its own, so that a caller that stops
    /// waiting (its deadline, a cancelled call) does not waste the work: the connection then
    /// joins the pool. The open is bounded by the connect timeout, the wait by `deadline`.
    async fn open_in(
        self: &Arc<Self>,
        place: Place,
        started: Instant,
        deadline: Instant,
    ) -> Result<ServerConn, Error> {
        let backoff = self.reconnect.lock().expect("reconnect lock").check();
        if let Err(err) = backoff {
            drop(place);
            return Err(err);
        }
        let mut opening = Opening::start(self, place);
        match tokio::time::timeout_at(deadline.into(), opening.result()).await {
            Ok(result) => result,
            Err(_) => Err(self.timeout_error(started)),
        }
    }

    /// Readies an idle connection for use: pings it when it sat idle long enough that the
    /// server may have closed it, or when a connection was found dead since it last worked.
    /// `None` when it is no longer usable (it is closed).
    async fn make_ready(
        self: &Arc<Self>,
        mut conn: ServerConn,
        validate_after: Duration,
        deadline: Option<Instant>,
    ) -> Option<ServerConn> {
        if !conn.runtime.is_alive() {
            // Its runtime shut down, and its socket with it.
            drop(conn);
            return None;
        }
        let losses = self.losses.load(Ordering::Acquire);
        if conn.epoch == losses && conn.last_used.elapsed() < validate_after {
            return Some(conn);
        }
        if conn.target != self.generation() {
            // Opened for a server the pool no longer sends work to.
            self.close_conn(conn);
            return None;
        }
        // The fast path has no deadline yet (building one costs a clock read): it starts now.
        let left = deadline.map_or(self.config.checkout_timeout, |deadline| {
            deadline.saturating_duration_since(Instant::now())
        });
        let limit = self.config.connect_timeout.min(left);
        let pinged = tokio::time::timeout(limit, conn.conn.ping()).await;
        if matches!(pinged, Ok(Ok(()))) {
            conn.epoch = losses;
            return Some(conn);
        }
        self.note_loss();
        self.close_conn(conn);
        None
    }

    /// Takes a connection back from a finished checkout: to a free list when it is clean,
    /// to the recycler when something is unfinished on it, closed when its link is gone.
    pub(crate) fn check_in(self: &Arc<Self>, conn: ServerConn) {
        if conn.is_unusable() {
            // Cancelled half way through a statement, a link that failed, or a runtime that
            // shut down: never reused. Only a failed link says the others may be dead too.
            if !conn.state.has(Busy::Statement) && (conn.broken || conn.conn.is_disconnected()) {
                self.note_loss();
            }
            self.close_conn(conn);
        } else if conn.target != self.generation() {
            self.close_conn(conn);
        } else if !conn.state.is_clean() {
            self.recycler.clean(self, conn);
        } else {
            self.store(conn);
        }
    }

    /// Closes a connection whose server thread may still be busy; its place stays counted
    /// until the server has let go of it (see the recycler).
    pub(super) fn close_conn(self: &Arc<Self>, conn: ServerConn) {
        if conn.state.has(Busy::Statement) {
            self.recycler.close(self, conn);
        } else {
            drop(conn);
        }
    }

    pub(super) fn losses(&self) -> u64 {
        self.losses.load(Ordering::Acquire)
    }

    pub(super) fn note_loss(&self) {
        self.losses.fetch_add(1, Ordering::AcqRel);
        self.tell_trouble();
    }

    /// Has `watcher` told whenever a connection is lost or a call retries.
    pub(crate) fn watch_trouble(&self, watcher: Arc<tokio::sync::Notify>) {
        let _ = self.trouble.set(watcher);
    }

    fn tell_trouble(&self) {
        if let Some(watcher) = self.trouble.get() {
            watcher.notify_one();
        }
    }

    /// Puts a clean connection where the next checkout finds it: the oldest waiter, else
    /// this thread's list, else the shared queue.
    ///
    /// Ordering: this pushes, then looks at the waiters; a waiter joins, then looks at every
    /// list (under each list's lock). Both looks are SeqCst, so either the waiter finds the
    /// connection or this finds the waiter. Likewise for `closed` against `close`.
    pub(super) fn store(self: &Arc<Self>, mut conn: ServerConn) {
        if self.is_closed() {
            return; // Dropping it closes it.
        }
        conn.last_used = Instant::now();
        let Some(conn) = self.offer(conn) else {
            return;
        };
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
                if self.waiters.any() || self.is_closed() {
                    let taken =
                        with_shard(self, |shard| shard.idle.lock().expect("shard lock").pop());
                    if let Some(conn) = taken.flatten() {
                        self.store_shared(conn);
                    }
                }
            }
            Some(conn) => {
                self.overflow.lock().expect("overflow lock").push_back(conn);
                if self.waiters.any() || self.is_closed() {
                    let taken = self.overflow.lock().expect("overflow lock").pop_back();
                    if let Some(conn) = taken {
                        self.store_shared(conn);
                    }
                }
            }
        }
    }

    /// The slow end of `store`: a waiter appeared (or the pool closed) while storing.
    fn store_shared(&self, conn: ServerConn) {
        if self.is_closed() {
            return;
        }
        if let Some(conn) = self.offer(conn) {
            self.overflow.lock().expect("overflow lock").push_back(conn);
        }
    }

    /// Hands `conn` to the oldest waiter, or gives it back when nobody waits.
    fn offer(&self, conn: ServerConn) -> Option<ServerConn> {
        if !self.waiters.any() {
            return Some(conn);
        }
        match self.waiters.hand_off(Handoff::Conn(conn))? {
            Handoff::Conn(conn) => Some(conn),
            Handoff::Place(_) => unreachable!("a connection was offered"),
        }
    }

    /// From the shared queue, or else from any thread's list.
    pub(super) fn take_shared(&self) -> Option<ServerConn> {
        if let Some(conn) = self.overflow.lock().expect("overflow lock").pop_front() {
            return Some(conn);
        }
        let shards = self.shards.lock().expect("shards lock");
        shards
            .iter()
            .filter_map(Weak::upgrade)
            .find_map(|shard| shard.idle.lock().expect("shard lock").pop())
    }

    /// Takes a place under the bound, if one is free.
    fn reserve(&self) -> Option<Place> {
        let max = self.config.max_connections;
        self.open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |open| {
                (open < max).then_some(open + 1)
            })
            .ok()
            .map(|_| Place::counted(self.this.clone()))
    }

    /// A place came free (its connection closed, or an open failed or was dropped): it goes
    /// to the oldest waiter, who opens a connection in it, or back to the pool.
    ///
    /// Ordering: this gives the place back, then looks at the waiters; a waiter joins, then
    /// tries to reserve. Both are SeqCst, so no waiter sleeps while a place is free.
    pub(super) fn release_place(&self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
        if self.waiters.any() && !self.is_closed() {
            if let Some(place) = self.reserve() {
                // Nobody took it after all: dropping it releases it again.
                drop(self.waiters.hand_off(Handoff::Place(place)));
            }
        }
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

    /// Every idle connection, wherever it is kept.
    pub(super) fn drain_idle(&self) -> Vec<ServerConn> {
        let mut idle: Vec<ServerConn> = self
            .overflow
            .lock()
            .expect("overflow lock")
            .drain(..)
            .collect();
        let shards = self.shards.lock().expect("shards lock");
        for shard in shards.iter().filter_map(Weak::upgrade) {
            idle.append(&mut shard.idle.lock().expect("shard lock"));
        }
        idle
    }

    /// Stops lending connections and closes the idle ones; connections in use close when
    /// they come back. Waiting checkouts fail with [`Error::Closed`].
    pub(crate) async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.waiters.clear();
        for conn in self.drain_idle() {
            let (conn, place) = conn.into_parts();
            let _ = tokio::time::timeout(self.config.connect_timeout, conn.disconnect()).await;
            drop(place);
        }
    }

    pub(crate) fn count_retry(&self) {
        self.tell_trouble();
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
            max_wait: Duration::from_nanos(c.max_wait_nanos.load(Ordering::Relaxed)),
            timeouts: c.timeouts.load(Ordering::Relaxed),
            connects: c.connects.load(Ordering::Relaxed),
            connect_failures: c.connect_failures.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            recycled: c.recycled.load(Ordering::Relaxed),
            closed_unclean: c.closed_unclean.load(Ordering::Relaxed),
            tls_unverified: self.config.unverified_tls_for_tests,
        }
    }
}

impl Drop for PoolInner {
    /// The last handle is gone: close the connections idle in every thread's list (each
    /// list outlives the pool in its thread's storage).
    fn drop(&mut self) {
        drop(self.drain_idle());
    }
}
