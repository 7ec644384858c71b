//! `PbdbResult`: what every read hands out, and the one rule for output data.
//!
//! Output is library-owned: a read returns a `PbdbResult` holding its rows (or text); the
//! structs its accessors fill point into it (strings and bytes), and stay valid until
//! `pbdb_result_free`, or until the result is given to a `_load_into` call, which refills it
//! in place (a world thread keeps one and allocates nothing per cached load). Nothing else
//! the library returns needs freeing.

use playerbot_db::bots::{AiValue, BotEvent, BotState, BotStrategy, Equipment};

use crate::error::{entry, Failure, Outcome};
use crate::status::{PbdbStatus, PBDB_NOT_FOUND};
use crate::strings::{self, PbdbStr};

/// The rows of one read (one entity type; `load_many`'s missing keys as empty places), the
/// text of `pbdb_metrics`, or nothing (from `pbdb_result_new`, or after a failed
/// `_load_into`). Opaque; free it with `pbdb_result_free`.
#[derive(Debug)]
pub struct PbdbResult {
    pub(crate) payload: Payload,
}

/// What a result holds.
#[derive(Debug)]
pub(crate) enum Payload {
    BotState(Vec<Option<BotState>>),
    BotEvent(Vec<Option<BotEvent>>),
    AiValue(Vec<Option<AiValue>>),
    BotStrategy(Vec<Option<BotStrategy>>),
    Equipment(Vec<Option<Equipment>>),
    Text(String),
    /// From `pbdb_result_new`, or a `_load_into` that failed before it chose its rows.
    Empty,
}

impl PbdbResult {
    pub(crate) fn boxed(payload: Payload) -> Box<PbdbResult> {
        Box::new(PbdbResult { payload })
    }

    fn len(&self) -> usize {
        match &self.payload {
            Payload::BotState(rows) => rows.len(),
            Payload::BotEvent(rows) => rows.len(),
            Payload::AiValue(rows) => rows.len(),
            Payload::BotStrategy(rows) => rows.len(),
            Payload::Equipment(rows) => rows.len(),
            Payload::Text(_) | Payload::Empty => 0,
        }
    }
}

/// Place `index` of `rows`: the row, `PBDB_NOT_FOUND` for a key `load_many` did not find,
/// `PBDB_INVALID_ARGUMENT` past the end.
pub(crate) fn row_at<T>(rows: &[Option<T>], index: usize) -> Outcome<&T> {
    match rows.get(index) {
        Some(Some(row)) => Ok(row),
        Some(None) => Err(Failure::new(
            PBDB_NOT_FOUND,
            format!("no row has the key at place {index}"),
        )),
        None => Err(Failure::argument(format!(
            "index {index} is past the result's {} rows",
            rows.len()
        ))),
    }
}

/// The caller's result, checked.
///
/// # Safety
/// `result` is NULL or a result from this library not yet freed.
pub(crate) unsafe fn result_of<'a>(result: *const PbdbResult) -> Outcome<&'a PbdbResult> {
    // SAFETY: the caller's promise.
    unsafe { strings::read(result, "result") }
}

/// Sets `*out` to a new result holding nothing, for the `_load_into` calls to refill again
/// and again; free it with `pbdb_result_free`.
///
/// # Safety
/// `out` points at a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_result_new(out: *mut *mut PbdbResult) -> PbdbStatus {
    entry(|| {
        strings::require_out(out, "out")?;
        let result = Box::into_raw(PbdbResult::boxed(Payload::Empty));
        // SAFETY: checked non-null; writable by the caller's promise.
        unsafe { strings::write(out, result, "out") }
    })
}

/// Sets `*len` to the number of places in `result` (0 for text). A `load_many` result has
/// one per key asked, in order, found or not.
///
/// # Safety
/// `result` is NULL or a live result; `len` points at a writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_result_len(result: *const PbdbResult, len: *mut usize) -> PbdbStatus {
    entry(|| {
        // SAFETY: the caller's promise about `result`.
        let result = unsafe { result_of(result) }?;
        // SAFETY: the caller's promise about `len`.
        unsafe { strings::write(len, result.len(), "len") }
    })
}

/// Sets `*text` to the text of a `pbdb_metrics` result (valid until it is freed).
///
/// # Safety
/// `result` is NULL or a live result; `text` points at a writable `PbdbStr`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_result_text(
    result: *const PbdbResult,
    text: *mut PbdbStr,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: the caller's promise about `result`.
        let result = unsafe { result_of(result) }?;
        let Payload::Text(body) = &result.payload else {
            return Err(Failure::argument("the result holds no text"));
        };
        // SAFETY: the caller's promise about `text`.
        unsafe { strings::write(text, PbdbStr::of(body), "text") }
    })
}

/// Frees a result and everything its accessors pointed into. NULL does nothing.
///
/// # Safety
/// `result` is NULL or a result from this library not yet freed; nothing points into it
/// afterwards.
#[no_mangle]
pub unsafe extern "C" fn pbdb_result_free(result: *mut PbdbResult) {
    if result.is_null() {
        return;
    }
    // Dropping rows cannot panic, but nothing may unwind into C: a panic is swallowed here.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: non-null; a result made by Box::into_raw in this library and freed only
        // here, once, by the caller's promise.
        drop(unsafe { Box::from_raw(result) });
    }));
}
