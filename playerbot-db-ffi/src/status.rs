//! The status code every entry point returns, and how a Rust [`ErrorKind`] becomes one.
//!
//! Codes are plain integer constants rather than a C enum: a value the C side holds (in a
//! completion, say) is then never an out-of-range enum in either language.

use std::ffi::c_char;

use playerbot_db::ErrorKind;

/// What a call did: `PBDB_OK`, or why it failed (`pbdb_last_error()` says more).
pub type PbdbStatus = i32;

/// The call did what it was asked.
pub const PBDB_OK: PbdbStatus = 0;
/// No row has that key (a load), or an index names no row (a result's accessor).
pub const PBDB_NOT_FOUND: PbdbStatus = 1;
/// A null pointer, a length that does not fit, text that is not UTF-8, an enum number no
/// variant has, or an options struct of another size: the call did nothing.
pub const PBDB_INVALID_ARGUMENT: PbdbStatus = 2;
/// A value does not fit its column; retrying the same values cannot succeed.
pub const PBDB_INVALID_VALUE: PbdbStatus = 3;
/// The write-behind queue or the completion queue is full.
pub const PBDB_QUEUE_FULL: PbdbStatus = 4;
/// A bound ran out: the pool's checkout, a statement, a row lock, a flush or a close.
pub const PBDB_TIMEOUT: PbdbStatus = 5;
/// The server could not be reached or the connection broke; try again later.
pub const PBDB_UNAVAILABLE: PbdbStatus = 6;
/// The handle was closed.
pub const PBDB_CLOSED: PbdbStatus = 7;
/// A row with that key or unique value exists.
pub const PBDB_DUPLICATE_KEY: PbdbStatus = 8;
/// A deadlock or a rolled-back transaction the library's retries did not get past.
pub const PBDB_CONFLICT: PbdbStatus = 9;
/// The server refused the login or the database: retrying the same settings cannot succeed.
pub const PBDB_REJECTED: PbdbStatus = 10;
/// Too many rows or keys for one call, or a row too large for a packet.
pub const PBDB_TOO_LARGE: PbdbStatus = 11;
/// The settings or the schema are wrong for the call (a bad URL, a missing table).
pub const PBDB_CONFIG: PbdbStatus = 12;
/// A migration failed, or an applied one changed.
pub const PBDB_MIGRATION: PbdbStatus = 13;
/// The live schema differs from what the library expects (`pbdb_check_schema`).
pub const PBDB_SCHEMA_MISMATCH: PbdbStatus = 14;
/// Another process held a lock the call needs.
pub const PBDB_BUSY: PbdbStatus = 15;
/// Any other server error.
pub const PBDB_SERVER: PbdbStatus = 16;
/// A driver failure, a local I/O error or an answer the library did not expect.
pub const PBDB_UNEXPECTED: PbdbStatus = 17;
/// A bug in the library: a panic was caught at the boundary.
pub const PBDB_INTERNAL: PbdbStatus = 99;

/// The status a Rust error of `kind` is reported as.
pub(crate) fn of_kind(kind: ErrorKind) -> PbdbStatus {
    match kind {
        ErrorKind::Deadlock
        | ErrorKind::StatementInvalidated
        | ErrorKind::TransactionRolledBack => PBDB_CONFLICT,
        ErrorKind::LockWaitTimeout | ErrorKind::PoolTimeout | ErrorKind::StatementTimeout => {
            PBDB_TIMEOUT
        }
        ErrorKind::DuplicateKey => PBDB_DUPLICATE_KEY,
        ErrorKind::ConnectionLost | ErrorKind::ServerUnavailable => PBDB_UNAVAILABLE,
        ErrorKind::ConnectRejected => PBDB_REJECTED,
        ErrorKind::QueueFull => PBDB_QUEUE_FULL,
        ErrorKind::Closed => PBDB_CLOSED,
        ErrorKind::InvalidValue => PBDB_INVALID_VALUE,
        ErrorKind::TooLarge => PBDB_TOO_LARGE,
        ErrorKind::Config => PBDB_CONFIG,
        ErrorKind::Migration => PBDB_MIGRATION,
        ErrorKind::Busy => PBDB_BUSY,
        ErrorKind::Server => PBDB_SERVER,
        // `ErrorKind` is non-exhaustive: a kind added later is reported as unexpected until
        // it gets a code of its own.
        _ => PBDB_UNEXPECTED,
    }
}

/// The constant's name of `status` (`"PBDB_NOT_FOUND"`), or `"PBDB_UNKNOWN"`; a static
/// string, never freed.
#[no_mangle]
pub extern "C" fn pbdb_status_name(status: PbdbStatus) -> *const c_char {
    let name: &'static [u8] = match status {
        PBDB_OK => b"PBDB_OK\0",
        PBDB_NOT_FOUND => b"PBDB_NOT_FOUND\0",
        PBDB_INVALID_ARGUMENT => b"PBDB_INVALID_ARGUMENT\0",
        PBDB_INVALID_VALUE => b"PBDB_INVALID_VALUE\0",
        PBDB_QUEUE_FULL => b"PBDB_QUEUE_FULL\0",
        PBDB_TIMEOUT => b"PBDB_TIMEOUT\0",
        PBDB_UNAVAILABLE => b"PBDB_UNAVAILABLE\0",
        PBDB_CLOSED => b"PBDB_CLOSED\0",
        PBDB_DUPLICATE_KEY => b"PBDB_DUPLICATE_KEY\0",
        PBDB_CONFLICT => b"PBDB_CONFLICT\0",
        PBDB_REJECTED => b"PBDB_REJECTED\0",
        PBDB_TOO_LARGE => b"PBDB_TOO_LARGE\0",
        PBDB_CONFIG => b"PBDB_CONFIG\0",
        PBDB_MIGRATION => b"PBDB_MIGRATION\0",
        PBDB_SCHEMA_MISMATCH => b"PBDB_SCHEMA_MISMATCH\0",
        PBDB_BUSY => b"PBDB_BUSY\0",
        PBDB_SERVER => b"PBDB_SERVER\0",
        PBDB_UNEXPECTED => b"PBDB_UNEXPECTED\0",
        PBDB_INTERNAL => b"PBDB_INTERNAL\0",
        _ => b"PBDB_UNKNOWN\0",
    };
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_code_and_the_codes_have_names() {
        let kinds = [
            (ErrorKind::Deadlock, PBDB_CONFLICT),
            (ErrorKind::PoolTimeout, PBDB_TIMEOUT),
            (ErrorKind::QueueFull, PBDB_QUEUE_FULL),
            (ErrorKind::Closed, PBDB_CLOSED),
            (ErrorKind::InvalidValue, PBDB_INVALID_VALUE),
            (ErrorKind::ServerUnavailable, PBDB_UNAVAILABLE),
        ];
        for (kind, code) in kinds {
            assert_eq!(of_kind(kind), code, "{kind:?}");
        }
        // SAFETY: pbdb_status_name returns a NUL-terminated static string.
        let name = unsafe { std::ffi::CStr::from_ptr(pbdb_status_name(PBDB_QUEUE_FULL)) };
        assert_eq!(name.to_str(), Ok("PBDB_QUEUE_FULL"));
    }
}
