//! The background task that writes what the queues hold.
//!
//! It holds the pool only while it writes (a `Weak` otherwise), so dropping the last `Db`
//! still closes the pool; rows accepted and not flushed by then are lost, which is why
//! `Db::close` and `WriteBehind::shutdown` drain first.

use std::sync::Weak;
use std::time::{Duration, Instant};

use super::stats::Counters;
use crate::pool::PoolInner;
use crate::Db;

/// The longest wait between attempts while the server fails.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// Starts the flusher on the current runtime unless one is running.
pub(crate) fn ensure_running(pool: &std::sync::Arc<PoolInner>) {
    let behind = &pool.registry.behind;
    let mut flusher = behind
        .flusher
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    if flusher.as_ref().is_some_and(|task| !task.is_finished()) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let weak = std::sync::Arc::downgrade(pool);
    *flusher = Some(runtime.spawn(run(weak)));
}

async fn run(pool: Weak<PoolInner>) {
    let span = tracing::info_span!("playerbot-db write-behind flusher");
    let _entered = span.enter();
    let mut backoff = Duration::ZERO;
    loop {
        let Some(strong) = pool.upgrade() else { return };
        let behind = &strong.registry.behind;
        let (wake, interval) = (behind.wake.clone(), behind.config.interval);
        let stopping = behind.stopping.load(std::sync::atomic::Ordering::Acquire);
        drop(strong);
        if !backoff.is_zero() {
            // After a failure nothing wakes it early (not `flush`, not a shutdown): a server
            // that is away is not asked again and again.
            tokio::time::sleep(backoff).await;
        } else if !stopping {
            // Woken early by a full batch, a flush or a shutdown; draining for a shutdown
            // goes round at once.
            let _ = tokio::time::timeout(interval, wake.notified()).await;
        }
        let Some(strong) = pool.upgrade() else { return };
        let db = Db { pool: strong };
        let behind = &db.pool.registry.behind;
        let started = Instant::now();
        behind.counters.round_started();
        let mut failed = false;
        let mut rows = 0;
        for queue in db.pool.registry.queues() {
            if !queue.has_pending() {
                continue;
            }
            match queue.flush_round(&db).await {
                Ok(n) => rows += n,
                Err(err) => {
                    failed = true;
                    tracing::warn!(error = %err, "a write-behind flush failed; its rows are kept and retried");
                }
            }
        }
        if rows > 0 {
            behind.counters.flushed(rows as u64, started.elapsed());
        }
        behind.counters.round_ended(failed);
        if failed {
            Counters::add(&behind.counters.retries, 1);
            backoff = (backoff * 2).clamp(FIRST_BACKOFF, MAX_BACKOFF);
        } else {
            backoff = Duration::ZERO;
        }
        behind.rounds.send_modify(|rounds| *rounds += 1);
        let drained = db.pool.registry.queues().all(|queue| queue.depth().0 == 0);
        if behind.stopping.load(std::sync::atomic::Ordering::Acquire) && drained {
            return;
        }
    }
}
