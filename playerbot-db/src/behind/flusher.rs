//! The background task that writes what the queues hold: [`Flusher`] owns its wake-up, its
//! task and its shutdown.
//!
//! The task holds the write-behind only while it writes (a `Weak` otherwise), so dropping
//! the last `Db` still closes the pool; rows accepted and not flushed by then are lost,
//! which is why `Db::close` drains first ([`WriteBehind::shutdown`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::stats::Counters;
use super::WriteBehind;

/// The longest wait between attempts while the server fails.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// One write-behind's flushing task: started on the first deferred write (and again after a
/// shutdown), woken early by a full batch, a flush or a shutdown.
#[derive(Debug, Default)]
pub(crate) struct Flusher {
    /// Shared with the task, which waits on it without holding the write-behind.
    wake: Arc<Notify>,
    /// Set while a shutdown drains: the task goes round without waiting and ends once
    /// every queue is empty.
    stopping: AtomicBool,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Flusher {
    /// Starts the task on the current runtime unless one is running.
    pub(crate) fn ensure_running(&self, behind: &Arc<WriteBehind>) {
        let mut task = self
            .task
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if task.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        *task = Some(runtime.spawn(run(Arc::downgrade(behind))));
    }

    /// Starts a round now rather than at the end of the interval.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Drains: `drain` runs while the task goes round without waiting, then the task ends
    /// and is waited for. Dropped half way, the task goes back to waiting its interval.
    pub(crate) async fn stop_after<T>(&self, drain: impl std::future::Future<Output = T>) -> T {
        self.stopping.store(true, Ordering::Release);
        let _lowered = Lowered(&self.stopping);
        let drained = drain.await;
        self.wake();
        let task = self
            .task
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
        drained
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }
}

/// Lowers the stopping flag when dropped.
struct Lowered<'a>(&'a AtomicBool);

impl Drop for Lowered<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

async fn run(behind: Weak<WriteBehind>) {
    let span = tracing::info_span!("playerbot-db write-behind flusher");
    let _entered = span.enter();
    let mut backoff = Duration::ZERO;
    loop {
        let Some(strong) = behind.upgrade() else {
            return;
        };
        let (wake, interval) = (strong.flusher.wake.clone(), strong.config.interval);
        let stopping = strong.flusher.stopping();
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
        let Some(strong) = behind.upgrade() else {
            return;
        };
        let failed = round(&strong).await;
        if failed {
            Counters::add(&strong.counters.retries, 1);
            backoff = (backoff * 2).clamp(FIRST_BACKOFF, MAX_BACKOFF);
        } else {
            backoff = Duration::ZERO;
        }
        strong.rounds.send_modify(|rounds| *rounds += 1);
        let drained = strong.queues().all(|queue| queue.depth().0 == 0);
        if strong.flusher.stopping() && drained {
            return;
        }
    }
}

/// Flushes every queue with rows pending; whether one failed.
async fn round(behind: &WriteBehind) -> bool {
    let started = Instant::now();
    behind.counters.round_started();
    let mut failed = false;
    let mut rows = 0;
    for queue in behind.queues() {
        if !queue.has_pending() {
            continue;
        }
        match queue.flush_round(behind.config.connections.max(1)).await {
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
    failed
}
