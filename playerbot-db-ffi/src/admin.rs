//! Calls about the handle as a whole: migrations, the schema check, flushing, and metrics
//! as Prometheus text.

use std::time::Duration;

use playerbot_db::migrate::Migrator;

use crate::error::{entry, Failure};
use crate::handle::{open_of, PbdbDb};
use crate::result::{Payload, PbdbResult};
use crate::status::{PbdbStatus, PBDB_SCHEMA_MISMATCH, PBDB_TIMEOUT};
use crate::strings;

/// Applies the built-in bot schema's pending migrations (the repository's `migrations/`,
/// compiled in), in order, under a lock so two processes never migrate at once; `*applied`
/// (may be NULL) is set to how many this call applied. Blocks while it runs (DDL: seconds;
/// waits up to 60 s for another process's run).
///
/// # Safety
/// `db` is NULL or a live handle; `applied` is NULL or points at a writable `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_migrate(db: *const PbdbDb, applied: *mut u32) -> PbdbStatus {
    entry(|| {
        // SAFETY: the caller's promise about `db`.
        let open = unsafe { open_of(db) }?;
        let report = open.block_on(Migrator::builtin().run(open.db()))?;
        if !applied.is_null() {
            let count = u32::try_from(report.applied.len()).unwrap_or(u32::MAX);
            // SAFETY: non-null, and writable by the caller's promise.
            unsafe { strings::write(applied, count, "applied") }?;
        }
        Ok(())
    })
}

/// Compares every table of the bot schema with what the library expects:
/// `PBDB_SCHEMA_MISMATCH` with each difference in `pbdb_last_error()` when they differ.
///
/// # Safety
/// `db` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbdb_check_schema(db: *const PbdbDb) -> PbdbStatus {
    entry(|| {
        // SAFETY: the caller's promise about `db`.
        let open = unsafe { open_of(db) }?;
        let report = open.block_on(open.db().check_schema())?;
        if report.is_empty() {
            return Ok(());
        }
        let differences: Vec<String> = report
            .iter()
            .flat_map(|(entity, differences)| {
                differences.iter().map(move |d| format!("{entity}: {d}"))
            })
            .collect();
        Err(Failure::new(PBDB_SCHEMA_MISMATCH, differences.join("; ")))
    })
}

/// Returns once every deferred write accepted before the call is in the server, or with
/// `PBDB_TIMEOUT` after `timeout_ms` (the writes stay queued and are retried).
///
/// # Safety
/// `db` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbdb_flush(db: *const PbdbDb, timeout_ms: u32) -> PbdbStatus {
    entry(|| {
        // SAFETY: the caller's promise about `db`.
        let open = unsafe { open_of(db) }?;
        let timeout = Duration::from_millis(timeout_ms.into());
        let flush = async { tokio::time::timeout(timeout, open.db().flush()).await };
        match open.block_on(flush) {
            Ok(flushed) => Ok(flushed?),
            Err(_) => Err(Failure::new(
                PBDB_TIMEOUT,
                format!("flush: deferred writes still queued after {timeout_ms} ms"),
            )),
        }
    })
}

/// Sets `*out` to a result holding the handle's pool, cache and write-behind counters in the
/// Prometheus text format (`pbdb_result_text`; free it with `pbdb_result_free`). Never
/// blocks on the server. The flush-duration histogram is recorded only through a recorder
/// the program installs for the whole process; the snapshots here are the handle's own.
///
/// # Safety
/// `db` is NULL or a live handle; `out` points at a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_metrics(db: *const PbdbDb, out: *mut *mut PbdbResult) -> PbdbStatus {
    entry(|| {
        // SAFETY: the caller's promise about `out`.
        unsafe { strings::write(out, std::ptr::null_mut(), "out") }?;
        // SAFETY: the caller's promise about `db`.
        let open = unsafe { open_of(db) }?;
        metrics::with_local_recorder(&open.recorder, || open.db().export_metrics());
        let text = open.recorder.handle().render();
        let result = PbdbResult::boxed(Payload::Text(text));
        // SAFETY: checked writable above.
        unsafe { strings::write(out, Box::into_raw(result), "out") }
    })
}
