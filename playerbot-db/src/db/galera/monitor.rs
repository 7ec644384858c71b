//! The task that keeps checking a Galera shard's nodes and moves its writer.

use std::sync::{Arc, Weak};
use std::time::Duration;

use mysql_async::Conn;
use tokio::task::JoinSet;

use super::health::{self, GaleraNodeHealth};
use super::GaleraShard;
use crate::pool::PoolInner;

/// Starts the monitor of `shard`, whose writer's pool is `pool`. It checks every node each
/// `every` (and at once when woken), each check bounded by `limit`, and stops when the
/// pool closes or is dropped.
pub(in crate::db) fn start(
    shard: Arc<GaleraShard>,
    pool: &Arc<PoolInner>,
    conns: Vec<Option<Conn>>,
    every: Duration,
    limit: Duration,
) {
    pool.watch_trouble(shard.wake.clone());
    let pool = Arc::downgrade(pool);
    tokio::spawn(run(shard, pool, conns, every, limit));
}

async fn run(
    shard: Arc<GaleraShard>,
    pool: Weak<PoolInner>,
    mut conns: Vec<Option<Conn>>,
    every: Duration,
    limit: Duration,
) {
    loop {
        // The interval, or sooner when a call ran into trouble.
        let _ = tokio::time::timeout(every, shard.wake.notified()).await;
        if pool.upgrade().is_none_or(|pool| pool.is_closed()) {
            return;
        }
        let checked = check_all(&shard, &mut conns, limit).await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        shard.take_in(checked, &pool);
    }
}

/// Checks every node at once, each on its own connection (reopened when it was lost).
async fn check_all(
    shard: &GaleraShard,
    conns: &mut [Option<Conn>],
    limit: Duration,
) -> Vec<GaleraNodeHealth> {
    let mut checks = JoinSet::new();
    for (index, conn) in conns.iter_mut().enumerate() {
        let (conn, opts, url) = (
            conn.take(),
            shard.opts[index].clone(),
            shard.nodes[index].redacted(),
        );
        checks.spawn(async move {
            let mut conn = match conn {
                Some(conn) => conn,
                None => match health::open(opts, limit).await {
                    Ok(conn) => conn,
                    Err(error) => return (index, None, GaleraNodeHealth::unreachable(url, error)),
                },
            };
            match health::check(&mut conn, url.clone(), limit).await {
                Ok(node) => (index, Some(conn), node),
                // A connection that failed or hung is dropped; the next round opens another.
                Err(error) => (index, None, GaleraNodeHealth::unreachable(url, error)),
            }
        });
    }
    let mut checked: Vec<GaleraNodeHealth> = shard
        .nodes
        .iter()
        .map(|url| GaleraNodeHealth::unreachable(url.redacted(), "not checked".into()))
        .collect();
    while let Some(done) = checks.join_next().await {
        if let Ok((index, conn, node)) = done {
            conns[index] = conn;
            checked[index] = node;
        }
    }
    checked
}
