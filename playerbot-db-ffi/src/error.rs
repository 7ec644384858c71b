//! Failures at the boundary: a status and its message, this thread's last message
//! (`pbdb_last_error`), and [`entry`], which every exported function runs its body in so
//! that no panic crosses into C.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::{self, PbdbStatus, PBDB_INTERNAL, PBDB_INVALID_ARGUMENT, PBDB_OK};

/// Why a call failed: the status returned and the message `pbdb_last_error` gives.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: PbdbStatus,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(status: PbdbStatus, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// A malformed argument from the C side: null, bad length, not UTF-8, unknown number.
    pub(crate) fn argument(message: impl Into<String>) -> Failure {
        Failure::new(PBDB_INVALID_ARGUMENT, message)
    }
}

impl From<playerbot_db::Error> for Failure {
    /// The Rust error's own text: it names entity, key and column where it has them, and
    /// never a password (the library redacts them in every message).
    fn from(err: playerbot_db::Error) -> Failure {
        Failure::new(status::of_kind(err.kind()), err.to_string())
    }
}

pub(crate) type Outcome<T = ()> = Result<T, Failure>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// A C string of `message`, its interior NULs (which C cannot show) replaced.
pub(crate) fn c_message(message: &str) -> CString {
    CString::new(message.replace('\0', "\\0")).unwrap_or_default()
}

fn set_last_error(message: &str) {
    LAST_ERROR.with(|last| *last.borrow_mut() = c_message(message));
}

/// Runs an entry point's body: its failure becomes the status returned and this thread's
/// last message, and a panic becomes `PBDB_INTERNAL` instead of unwinding into C.
pub(crate) fn entry(body: impl FnOnce() -> Outcome) -> PbdbStatus {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => PBDB_OK,
        Ok(Err(failure)) => {
            set_last_error(&failure.message);
            failure.status
        }
        Err(panic) => {
            set_last_error(&panic_message(&*panic));
            PBDB_INTERNAL
        }
    }
}

/// What a caught panic says, as the message of its `PBDB_INTERNAL`.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    format!("internal error (a bug in playerbot-db): {what}")
}

/// The message of this thread's last failed call (empty before any). The string is
/// library-owned and stays valid until this thread's next call into the library; it names
/// entity, key and column as the Rust error has them, never a password.
#[no_mangle]
pub extern "C" fn pbdb_last_error() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}
