//! The handle's own tokio runtime, and running a call on it from a C thread.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::error::{Failure, Outcome};
use crate::status::PBDB_UNEXPECTED;

/// How long a runtime's shutdown waits for work it cannot cancel: its tasks are dropped at
/// their next await, so this only covers a poll in progress or a blocking thread.
pub(crate) const SHUTDOWN_BOUND: Duration = Duration::from_secs(1);

/// A multi-thread runtime of `threads` workers, named so a debugger shows whose they are.
pub(crate) fn build(threads: u32) -> Outcome<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads as usize)
        .thread_name("pbdb-worker")
        .enable_all()
        .build()
        .map_err(|err| Failure::new(PBDB_UNEXPECTED, format!("starting the runtime: {err}")))
}

/// Runs `call` to its end on `runtime`, on the calling (C) thread. Calls that finish
/// without waiting — a deferred save, a load from the cache — are polled once with the
/// runtime entered and return without parking the thread; the rest block in
/// `Runtime::block_on`. Must not be called from inside a runtime (the C side never is).
pub(crate) fn block_on<F: Future>(runtime: &Runtime, call: F) -> F::Output {
    let _context = runtime.enter();
    let mut call = std::pin::pin!(call);
    // A first poll with a waker that does nothing is sound: `block_on` polls again at once
    // with its own, and a future wakes whichever waker its latest poll gave it.
    if let Poll::Ready(output) = call.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        return output;
    }
    runtime.block_on(call)
}

/// A future whose panic becomes an `Err` instead of unwinding into the runtime, so an
/// asynchronous call that panics still completes (with `PBDB_INTERNAL`).
pub(crate) struct CatchPanic<F>(pub(crate) Pin<Box<F>>);

impl<F> std::fmt::Debug for CatchPanic<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CatchPanic")
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(crate::error::panic_message(&*panic))),
        }
    }
}
