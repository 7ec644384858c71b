//! Locks that hold across the nodes of a Galera cluster (see `playerbot_db_sql::lease`):
//! migrations and partition maintenance take one where `GET_LOCK` would be node-local.
//!
//! A lease lasts [`LENGTH`] and is renewed by a task of its own (on a connection of its own,
//! outside the pool) while it is held. Dropping a [`Lease`] stops the renewal without
//! releasing: the row then expires within [`LENGTH`], as when the holder dies.

use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::Conn;
use playerbot_db_sql::lease as sql;
use tokio::sync::oneshot;

use crate::pool::PoolInner;
use crate::Error;

/// How long a lease lasts without renewal: how long a dead holder blocks the others.
const LENGTH: Duration = Duration::from_secs(20);
/// Renewed this often while held.
const RENEW_EVERY: Duration = Duration::from_secs(5);
/// How often a taken lease is asked for again while waiting.
const RETRY_EVERY: Duration = Duration::from_millis(100);

/// A held lease; [`release`](Self::release) it when done.
#[derive(Debug)]
pub(crate) struct Lease {
    name: String,
    holder: String,
    /// Dropped: the renewal stops.
    _renewing: oneshot::Sender<()>,
}

impl Lease {
    /// Takes lease `name` in the connection's database, waiting up to `wait` while another
    /// holder has it ([`Error::LockTimeout`] then).
    pub(crate) async fn take(
        pool: &std::sync::Arc<PoolInner>,
        conn: &mut Conn,
        name: &str,
        wait: Duration,
    ) -> Result<Lease, Error> {
        conn.query_drop(sql::CREATE_TABLE).await?;
        let holder = holder_id();
        let length_ms = LENGTH.as_millis() as i64;
        let started = Instant::now();
        loop {
            // Two nodes making the row or taking it at once: certification refuses one
            // (1213), which then asks again and finds it taken.
            match try_take(conn, name, &holder, length_ms).await {
                Ok(true) => break,
                Ok(false) => {}
                Err(err) if err.is_deadlock() => {}
                Err(err) => return Err(err),
            }
            if started.elapsed() >= wait {
                return Err(Error::LockTimeout {
                    lock: format!("lease {name}"),
                    waited: wait,
                });
            }
            tokio::time::sleep(RETRY_EVERY).await;
        }
        let (renewing, stopped) = oneshot::channel();
        tokio::spawn(renew(
            pool.clone(),
            name.to_owned(),
            holder.clone(),
            stopped,
        ));
        Ok(Lease {
            name: name.to_owned(),
            holder,
            _renewing: renewing,
        })
    }

    /// Lets go of the lease (if it is still ours).
    pub(crate) async fn release(self, conn: &mut Conn) -> Result<(), Error> {
        conn.exec_drop(sql::RELEASE, (&self.name, &self.holder))
            .await?;
        Ok(())
    }
}

async fn try_take(
    conn: &mut Conn,
    name: &str,
    holder: &str,
    length_ms: i64,
) -> Result<bool, Error> {
    conn.exec_drop(sql::ENSURE_ROW, (name,)).await?;
    conn.exec_drop(sql::take(), (holder, length_ms, name, holder))
        .await?;
    Ok(conn.affected_rows() == 1)
}

/// Renews the lease every [`RENEW_EVERY`] until `stopped` resolves (its sender dropped).
async fn renew(
    pool: std::sync::Arc<PoolInner>,
    name: String,
    holder: String,
    mut stopped: oneshot::Receiver<()>,
) {
    let length_ms = LENGTH.as_millis() as i64;
    let mut conn: Option<Conn> = None;
    loop {
        if tokio::time::timeout(RENEW_EVERY, &mut stopped)
            .await
            .is_ok()
        {
            break;
        }
        if conn.is_none() {
            conn = pool.unpooled().await.ok();
        }
        let Some(open) = conn.as_mut() else {
            continue;
        };
        let limit = pool.config.connect_timeout;
        let renewed = tokio::time::timeout(
            limit,
            open.exec_drop(sql::renew(), (length_ms, &name, &holder)),
        )
        .await;
        if !matches!(renewed, Ok(Ok(()))) {
            tracing::warn!(lease = %name, "could not renew a lease; trying again");
            conn = None;
        }
    }
    if let Some(conn) = conn {
        let _ = tokio::time::timeout(pool.config.connect_timeout, conn.disconnect()).await;
    }
}

/// This process and this take, told apart from every other holder.
fn holder_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{nanos:x}", std::process::id())
}
