//! The recycler: a background task that makes connections clean again before anyone else
//! gets them, and closes the ones that cannot be.

use std::future::poll_fn;
use std::sync::{Arc, Mutex, Weak};
use std::task::Poll;
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use playerbot_db_sql::session;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::state::Busy;
use super::stats::Counters;
use super::{PoolInner, ServerConn};
use crate::error::is_connection_error;
use crate::session::use_database_sql;

/// ER_NO_SUCH_THREAD.
const UNKNOWN_THREAD: u16 = 1094;

/// How often a closing connection's server thread is looked for while it finishes.
const LINGER_POLL: Duration = Duration::from_millis(2);

#[derive(Debug)]
enum Job {
    /// Something was left unfinished: roll back, release locks, reset the session.
    Clean(ServerConn),
    /// Cancelled in the middle of a statement: close it, keeping its place until the server
    /// has finished with it.
    Close(ServerConn),
}

/// The pool's handle on its recycler task. The task is started on first use, on the runtime
/// of the call that needs it, and started again if that runtime has gone; it stops when the
/// pool is dropped (its channel closes), after finishing the jobs under way.
#[derive(Debug, Default)]
pub(crate) struct Recycler {
    sender: Mutex<Option<mpsc::UnboundedSender<Job>>>,
}

impl Recycler {
    pub(super) fn clean(&self, pool: &Arc<PoolInner>, conn: ServerConn) {
        self.send(pool, Job::Clean(conn));
    }

    pub(super) fn close(&self, pool: &Arc<PoolInner>, conn: ServerConn) {
        self.send(pool, Job::Close(conn));
    }

    fn send(&self, pool: &Arc<PoolInner>, job: Job) {
        let refused = {
            let mut sender = self.sender.lock().expect("recycler lock");
            if sender.as_ref().is_none_or(mpsc::UnboundedSender::is_closed) {
                *sender = start(pool);
            }
            match sender.as_ref() {
                Some(sender) => sender.send(job).err().map(|refused| refused.0),
                None => Some(job),
            }
        };
        // No runtime to clean it on: closing it is the safe way out.
        if let Some(job) = refused {
            Counters::bump(&pool.counters.closed_unclean);
            drop(job);
        }
    }
}

fn start(pool: &Arc<PoolInner>) -> Option<mpsc::UnboundedSender<Job>> {
    let handle = tokio::runtime::Handle::try_current().ok()?;
    let (sender, receiver) = mpsc::unbounded_channel();
    let task = RecyclerTask {
        receiver,
        pool: Arc::downgrade(pool),
        jobs: JoinSet::new(),
    };
    handle.spawn(task.run());
    Some(sender)
}

struct RecyclerTask {
    receiver: mpsc::UnboundedReceiver<Job>,
    pool: Weak<PoolInner>,
    /// Jobs under way; one slow server reply does not hold up the others.
    jobs: JoinSet<()>,
}

impl RecyclerTask {
    async fn run(mut self) {
        loop {
            let next = poll_fn(|cx| {
                while let Poll::Ready(Some(_)) = self.jobs.poll_join_next(cx) {}
                self.receiver.poll_recv(cx)
            })
            .await;
            let Some(job) = next else { break };
            let pool = self.pool.clone();
            self.jobs.spawn(async move {
                match job {
                    Job::Clean(conn) => clean(pool, conn).await,
                    Job::Close(conn) => close(pool, conn).await,
                }
            });
        }
        while self.jobs.join_next().await.is_some() {}
    }
}

async fn clean(pool: Weak<PoolInner>, mut conn: ServerConn) {
    let Some(strong) = pool.upgrade() else { return };
    let limit = strong.config.connect_timeout;
    let restored = tokio::time::timeout(limit, restore(&strong, &mut conn)).await;
    match restored {
        Ok(Ok(())) => {
            Counters::bump(&strong.counters.recycled);
            strong.store(conn);
        }
        outcome => {
            // A link the server closed (a KILL, a restart) has no thread left to wait for.
            let link_gone = matches!(&outcome, Ok(Err(err)) if is_connection_error(err));
            let error = match outcome {
                Ok(Err(err)) => err.to_string(),
                _ => format!("no answer within {limit:?}"),
            };
            tracing::warn!(%error, "closing a connection that could not be cleaned");
            Counters::bump(&strong.counters.closed_unclean);
            drop(strong);
            if link_gone {
                drop(conn);
            } else {
                conn.state.enter(Busy::Statement);
                close(pool, conn).await;
            }
        }
    }
}

/// Undoes whatever `conn` was left in the middle of.
async fn restore(pool: &PoolInner, conn: &mut ServerConn) -> Result<(), mysql_async::Error> {
    if conn.state.has(Busy::Statement) {
        // The driver reads what is left of the last reply before it sends the ping.
        conn.conn.ping().await?;
    }
    if conn.state.has(Busy::Session) {
        // COM_RESET_CONNECTION: rolls back, unlocks tables, drops temporary tables, user
        // variables and prepared statements; the driver runs the session setup again.
        if !conn.conn.reset().await? {
            return Err(mysql_async::Error::Other(
                "the server does not support COM_RESET_CONNECTION".into(),
            ));
        }
        restore_database(pool, conn).await?;
        let dialect = conn.dialect();
        pool.setup.prepare(&mut conn.conn, dialect).await?;
    } else if conn.state.has(Busy::Transaction) {
        conn.conn.query_drop(session::ROLLBACK).await?;
    }
    if conn.state.has(Busy::NamedLock) || conn.state.has(Busy::Session) {
        conn.conn.query_drop(session::RELEASE_ALL_LOCKS).await?;
    }
    conn.state = Default::default();
    Ok(())
}

/// After a reset, makes the default database the one the URL names again.
async fn restore_database(
    pool: &PoolInner,
    conn: &mut ServerConn,
) -> Result<(), mysql_async::Error> {
    let wanted = pool.target().0.db_name().map(str::to_owned);
    let current: Option<Option<String>> = conn.conn.query_first(session::CURRENT_DATABASE).await?;
    let current = current.flatten();
    if current == wanted {
        return Ok(());
    }
    let Some(sql) = wanted.as_deref().and_then(use_database_sql) else {
        return Err(mysql_async::Error::Other(
            "the session's default database cannot be restored".into(),
        ));
    };
    conn.conn.query_drop(sql).await
}

/// Closes `conn`, whose server thread may still be running the statement it was sent: that
/// thread (and so a connection on the server) lasts until the statement ends. The place is
/// kept until the server no longer lists the thread, so the server never sees more of our
/// connections than `max_connections`. The statement nobody will read is stopped
/// (`KILL QUERY`), so a long one does not hold the place for long; the place is given up
/// anyway after the connect timeout. When every place under the bound waits like this,
/// nobody can ask until one of them times out: the pool stalls for up to the connect
/// timeout rather than let the server see more connections than the bound.
async fn close(pool: Weak<PoolInner>, conn: ServerConn) {
    let thread = conn.conn.id();
    let (driver_conn, place) = conn.into_parts();
    drop(driver_conn);
    if let Some(pool) = pool.upgrade() {
        let deadline = Instant::now() + pool.config.connect_timeout;
        let mut killed = false;
        while Instant::now() < deadline && !pool.is_closed() {
            match ask_about(&pool, thread, !killed, deadline).await {
                Some(true) => break,
                Some(false) => killed = true,
                None => tokio::time::sleep(LINGER_POLL).await,
            }
        }
    }
    drop(place);
}

/// Whether the server no longer lists `thread` (and, when `kill`, stops the statement it is
/// running), asked on a connection of the pool lent in turn like any checkout: while the pool
/// is busy, a returned connection goes to the oldest waiter and is never idle. `None` when
/// no connection could be had or the question failed.
async fn ask_about(
    pool: &Arc<PoolInner>,
    thread: u32,
    kill: bool,
    deadline: Instant,
) -> Option<bool> {
    let mut conn = tokio::time::timeout_at(deadline.into(), pool.get())
        .await
        .ok()?
        .ok()?;
    let limit = pool.config.connect_timeout;
    conn.state.enter(Busy::Statement);
    let asked = tokio::time::timeout(limit, async {
        let listed: Option<u64> = conn
            .conn
            .exec_first(session::THREAD_LISTED, (thread,))
            .await?;
        let gone = listed == Some(0);
        if !gone && kill {
            // KILL takes no placeholder on every server, and `thread` is an integer.
            // Unknown thread (1094): it ended in between, which is what we wait for; any other
            // refusal leaves us waiting for the statement to end by itself.
            match conn.conn.query_drop(session::kill_query(thread)).await {
                Err(mysql_async::Error::Server(err)) => {
                    if err.code != UNKNOWN_THREAD {
                        tracing::debug!(error = %err.message, "cannot stop an orphaned statement");
                    }
                }
                other => other?,
            }
        }
        Ok::<_, mysql_async::Error>(gone)
    })
    .await;
    match asked {
        Ok(Ok(gone)) => {
            conn.state.leave(Busy::Statement);
            pool.store(conn);
            Some(gone)
        }
        _ => {
            pool.close_conn(conn);
            None
        }
    }
}
