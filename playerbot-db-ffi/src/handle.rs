//! `PbdbDb`, the handle: open, close, free, and how every call reaches the open state.
//!
//! The rule: `pbdb_close` drains and releases everything the handle holds (connections,
//! queues, runtime) but leaves the handle's own small allocation in place, so any call made
//! with it afterwards returns `PBDB_CLOSED`; `pbdb_free` releases that allocation (closing
//! first if needed) and is the last call a handle may see. Use after close is checked; use
//! after free cannot be.

use std::ffi::c_char;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};
use playerbot_db::Db;
use tokio::runtime::Runtime;

use crate::completion::Completions;
use crate::error::{entry, Failure, Outcome};
use crate::options::PbdbOptions;
use crate::runtime;
use crate::status::{PbdbStatus, PBDB_CLOSED, PBDB_TIMEOUT};
use crate::strings::{self, PbdbStr};

/// A handle on one database server: its pool, caches, write-behind queue, completion queue
/// and runtime. Opaque; usable from any number of threads at once.
pub struct PbdbDb {
    /// `None` once closed. Calls clone the `Arc` and let go of the lock at once, so a close
    /// never waits on a call, and a call in flight keeps what it uses alive until it returns.
    state: RwLock<Option<Arc<Open>>>,
    close_timeout: Duration,
}

impl std::fmt::Debug for PbdbDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PbdbDb").finish_non_exhaustive()
    }
}

/// What an open handle holds.
pub(crate) struct Open {
    /// `Some` until the drop, which lets the `Db` go inside the runtime's context.
    db: Option<Db>,
    pub(crate) completions: Arc<Completions>,
    /// Renders `pbdb_metrics`: the handle's own, not the process's global recorder.
    pub(crate) recorder: PrometheusRecorder,
    /// `Some` until the drop, which shuts it down.
    runtime: Option<Runtime>,
}

impl std::fmt::Debug for Open {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Open")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl Open {
    pub(crate) fn db(&self) -> &Db {
        self.db.as_ref().expect("the Db lives until the drop")
    }

    pub(crate) fn runtime(&self) -> &Runtime {
        self.runtime
            .as_ref()
            .expect("the runtime lives until the drop")
    }

    /// Runs `call` to its end on this handle's runtime, blocking the calling thread.
    pub(crate) fn block_on<F: Future>(&self, call: F) -> F::Output {
        runtime::block_on(self.runtime(), call)
    }
}

impl Drop for Open {
    /// The last user lets go: the `Db` inside the runtime's context, then the runtime, whose
    /// tasks still running (asynchronous calls never polled for) are dropped at their next
    /// await; the library's calls are cancel-safe there.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            {
                let _context = runtime.enter();
                self.db.take();
            }
            runtime.shutdown_timeout(runtime::SHUTDOWN_BOUND);
        }
    }
}

impl PbdbDb {
    /// The open state, or `PBDB_CLOSED`.
    pub(crate) fn open(&self) -> Outcome<Arc<Open>> {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(closed)
    }

    /// Takes the open state out: every later call sees the handle closed.
    fn take(&self) -> Option<Arc<Open>> {
        self.state
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

fn closed() -> Failure {
    Failure::new(PBDB_CLOSED, "the handle was closed")
}

/// The open state of the caller's handle.
///
/// # Safety
/// `db` is NULL or a handle from `pbdb_open` not yet given to `pbdb_free`.
pub(crate) unsafe fn open_of(db: *const PbdbDb) -> Outcome<Arc<Open>> {
    // SAFETY: the caller's promise about `db`.
    unsafe { strings::read(db, "db") }?.open()
}

/// Opens a handle on the server `url` names (`mysql://user:password@host:3306/database`,
/// `url_len` bytes of UTF-8), with the built-in bot schema registered; `options` may be
/// NULL for the defaults. Blocks until one connection is open (at most
/// `connect_timeout_ms`, retries aside). On success `*out` is the handle; on failure it is
/// NULL and `pbdb_last_error()` says why (without the password).
///
/// # Safety
/// `url` points at `url_len` readable bytes; `options` is NULL or a `PbdbOptions` filled by
/// `pbdb_options_init`; `out` points at writable memory for a pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_open(
    url: *const c_char,
    url_len: usize,
    options: *const PbdbOptions,
    out: *mut *mut PbdbDb,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: the caller's promise about `out`.
        unsafe { strings::write(out, std::ptr::null_mut(), "out") }?;
        let url = PbdbStr {
            ptr: url,
            len: url_len,
        };
        // SAFETY: the caller's promise about `url`.
        let url = unsafe { url.read_string("url") }?;
        let options = if options.is_null() {
            PbdbOptions::default()
        } else {
            // SAFETY: non-null, and a PbdbOptions by the caller's promise.
            *unsafe { strings::read(options, "options") }?
        };
        options.validate()?;
        let runtime = runtime::build(options.worker_threads)?;
        let builder = options.apply(Db::builder(url).register_bot_schema());
        let db = runtime::block_on(&runtime, builder.build())?;
        let open = Open {
            db: Some(db),
            completions: Arc::new(Completions::new(options.completion_capacity as usize)),
            recorder: PrometheusBuilder::new().build_recorder(),
            runtime: Some(runtime),
        };
        let handle = Box::new(PbdbDb {
            state: RwLock::new(Some(Arc::new(open))),
            close_timeout: Duration::from_millis(options.close_timeout_ms.into()),
        });
        // SAFETY: checked writable above.
        unsafe { strings::write(out, Box::into_raw(handle), "out") }
    })
}

/// Closes the handle: new calls fail with `PBDB_CLOSED` at once; the write-behind queue is
/// drained (every accepted deferred write reaches the server) within `timeout_ms`; then the
/// connections, the completion queue (completions not yet polled are dropped, their results
/// freed) and the runtime are released. Calls still running on other threads end with
/// `PBDB_CLOSED` or their own result. `PBDB_TIMEOUT` when the drain did not finish in time:
/// the rows still queued are lost. A second close returns `PBDB_CLOSED`. The handle itself
/// stays allocated until `pbdb_free`.
///
/// # Safety
/// `db` is NULL or a handle from `pbdb_open` not yet given to `pbdb_free`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_close(db: *mut PbdbDb, timeout_ms: u32) -> PbdbStatus {
    entry(|| {
        // SAFETY: the caller's promise about `db`.
        let handle = unsafe { strings::read(db.cast_const(), "db") }?;
        close(handle, Duration::from_millis(timeout_ms.into()))
    })
}

fn close(handle: &PbdbDb, timeout: Duration) -> Outcome {
    let open = handle.take().ok_or_else(closed)?;
    let db = open.db().clone();
    // The timer is made inside the runtime: it needs the runtime's clock.
    let drained = open.block_on(async move {
        let drain = async {
            let drained = db.shutdown().await;
            db.close().await;
            drained
        };
        tokio::time::timeout(timeout, drain).await
    });
    // Whoever holds the last reference shuts the runtime down: this thread, or a call still
    // running on another one when it returns.
    drop(open);
    match drained {
        Ok(result) => result.map_err(Failure::from),
        Err(_) => Err(Failure::new(
            PBDB_TIMEOUT,
            format!(
                "closing: the write-behind queue was not drained within {} ms; the rows still \
                 queued are lost",
                timeout.as_millis()
            ),
        )),
    }
}

/// Frees the handle. One not yet closed is closed first, as `pbdb_close` with the
/// `close_timeout_ms` it was opened with (its status is returned). NULL is allowed and does
/// nothing. After this call `db` must not be used again, on any thread.
///
/// # Safety
/// `db` is NULL or a handle from `pbdb_open` not yet freed, that no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn pbdb_free(db: *mut PbdbDb) -> PbdbStatus {
    if db.is_null() {
        return crate::status::PBDB_OK;
    }
    entry(|| {
        // SAFETY: non-null; a handle from pbdb_open (Box::into_raw) freed only here, once, by
        // the caller's promise.
        let handle = unsafe { Box::from_raw(db) };
        // The read lock is let go of before close takes the write lock.
        let still_open = handle
            .state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        let status = match still_open {
            true => close(&handle, handle.close_timeout),
            false => Ok(()),
        };
        drop(handle);
        status
    })
}
