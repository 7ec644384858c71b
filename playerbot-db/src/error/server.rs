//! What the server and the driver report: the server error codes the crate acts on
//! ([`code`]), a driver error sorted into an [`Error`] with its [`Context`]
//! ([`Error::from_driver`]), [`Error::server_code`], and what a server's message names
//! ([`column_in_message`], [`server_row`]).

use super::{Context, Error, ValueProblem};

/// Server error codes the crate acts on.
pub(crate) mod code {
    pub(crate) const DUPLICATE_KEY: u16 = 1062;
    pub(crate) const LOCK_WAIT_TIMEOUT: u16 = 1205;
    pub(crate) const DEADLOCK: u16 = 1213;
    /// The table changed under a prepared statement (an ALTER, say): it did not run.
    pub(crate) const NEEDS_REPREPARE: u16 = 1615;
    pub(crate) const COLUMN_CANNOT_BE_NULL: u16 = 1048;
    pub(crate) const DATA_TOO_LONG: u16 = 1406;
    pub(crate) const OUT_OF_RANGE: u16 = 1264;
    pub(crate) const INCORRECT_VALUE: u16 = 1366;
    pub(crate) const TRUNCATED: u16 = 1265;
    pub(crate) const CONNECTION_KILLED: u16 = 1927;
    pub(crate) const SERVER_SHUTDOWN: u16 = 1053;
    pub(crate) const DB_ACCESS_DENIED: u16 = 1044;
    pub(crate) const ACCESS_DENIED: u16 = 1045;
    pub(crate) const UNKNOWN_DATABASE: u16 = 1049;
    pub(crate) const NOT_SUPPORTED_AUTH_MODE: u16 = 1251;
    pub(crate) const ACCOUNT_LOCKED: u16 = 3118;
    pub(crate) const SECURE_TRANSPORT_REQUIRED: u16 = 3159;
    pub(crate) const NO_SUCH_TABLE: u16 = 1146;
    /// Galera: "WSREP has not yet prepared node for application use" (a node outside the
    /// primary component, or not synced yet). MySQL's unknown-command error has the same
    /// number, for a packet no client of ours sends.
    pub(crate) const NODE_NOT_READY: u16 = 1047;
    /// "Got error … during COMMIT": the commit failed and the transaction was rolled back
    /// (measured on a Galera node that lost its primary component: "Not connected to
    /// Primary Component").
    pub(crate) const COMMIT_FAILED: u16 = 1180;
    /// MySQL Group Replication refused a commit in certification ("Plugin instructed the
    /// server to rollback the current transaction"): another member wrote the same rows.
    /// Not verified against a group here (MySQL cannot run on the development machine).
    pub(crate) const GROUP_CERTIFICATION: u16 = 3101;
    /// The server's catch-all code; Galera refuses an oversized write set with it
    /// ("Maximum writeset size exceeded").
    pub(crate) const UNKNOWN_ERROR: u16 = 1105;

    /// Codes with which the server says it is dropping this connection.
    pub(crate) fn is_connection_code(code: u16) -> bool {
        matches!(code, CONNECTION_KILLED | SERVER_SHUTDOWN)
    }
}

/// What [`Error::TooLarge`] counts when a call's write set would exceed a Galera node's
/// `wsrep_max_ws_size`.
pub(crate) const WRITE_SET_BYTES: &str =
    "bytes (estimated) in one transaction's write set on this Galera node (wsrep_max_ws_size)";

impl Error {
    /// A Galera node's write set bound stood in the way: our estimate said so before the
    /// call wrote anything, or the node refused the commit (the estimate was short). Nothing
    /// was written either way; fewer rows per transaction fit.
    pub(crate) fn is_write_set_too_large(&self) -> bool {
        match self {
            Error::TooLarge { what, .. } => *what == WRITE_SET_BYTES,
            Error::Server { code, message, .. } => {
                *code == code::UNKNOWN_ERROR && message.contains("writeset size")
            }
            _ => false,
        }
    }

    /// Wraps a driver error, sorting it into server, connection and other errors.
    pub(crate) fn from_driver(source: mysql_async::Error, context: Context) -> Error {
        let context = Box::new(context);
        match source {
            mysql_async::Error::Server(server) if !code::is_connection_code(server.code) => {
                Error::Server {
                    code: server.code,
                    state: server.state,
                    message: server.message,
                    context,
                }
            }
            source if is_connection_error(&source) => Error::ConnectionLost { source, context },
            source => Error::Driver { source, context },
        }
    }

    /// The server's error code, when the server produced the error.
    pub fn server_code(&self) -> Option<u16> {
        match self {
            Error::PartlySaved { source, .. } => source.server_code(),
            Error::Server { code, .. } => Some(*code),
            Error::Migration { code, .. } => *code,
            Error::InvalidValue {
                problem: ValueProblem::Rejected { code, .. },
                ..
            } => Some(*code),
            _ => None,
        }
    }
}

impl From<mysql_async::Error> for Error {
    fn from(source: mysql_async::Error) -> Error {
        Error::from_driver(source, Context::default())
    }
}

/// Whether the driver's error means the connection is gone: an I/O failure, a connection
/// the driver closed, or a server that says it is dropping it.
pub(crate) fn is_connection_error(error: &mysql_async::Error) -> bool {
    match error {
        mysql_async::Error::Io(_) => true,
        mysql_async::Error::Driver(driver) => matches!(
            driver,
            mysql_async::DriverError::ConnectionClosed | mysql_async::DriverError::PoolDisconnected
        ),
        mysql_async::Error::Server(server) => code::is_connection_code(server.code),
        _ => false,
    }
}

/// A driver error as a person reads it: the server's own message (its code is shown
/// beside it), or for I/O failures the innermost cause — the driver's layers each add
/// "Input/output error: " before it.
pub(crate) fn driver_text(error: &mysql_async::Error) -> String {
    match error {
        mysql_async::Error::Server(server) => server.message.clone(),
        mysql_async::Error::Io(_) => {
            let mut innermost: &dyn std::error::Error = error;
            while let Some(source) = innermost.source() {
                innermost = source;
            }
            innermost.to_string()
        }
        other => other.to_string(),
    }
}

/// The column a strict-mode message names, in either quoting the servers use:
/// `Out of range value for column 'money' at row 1`, or MariaDB's
/// ``Incorrect string value: '\xF0…' for column `db`.`t`.`name` at row 1``.
pub(crate) fn column_in_message(message: &str) -> Option<String> {
    // `Column 'x' cannot be null` starts with a capital; ASCII lowering keeps the offsets.
    let start = message.to_ascii_lowercase().find("column ")? + "column ".len();
    let rest = &message[start..];
    if let Some(quoted) = rest.strip_prefix('\'') {
        return Some(quoted[..quoted.find('\'')?].to_owned());
    }
    // `a`.`b`.`c`: the last part is the column.
    let mut rest = rest.strip_prefix('`')?;
    loop {
        let end = rest.find('`')?;
        let part = &rest[..end];
        match rest[end + 1..].strip_prefix(".`") {
            Some(next) => rest = next,
            None => return Some(part.to_owned()),
        }
    }
}

/// The 1-based row a strict-mode message names: `… for column 'x' at row 3`.
pub(crate) fn server_row(message: &str) -> Option<usize> {
    let rest = &message[message.rfind(" at row ")? + " at row ".len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_column_in_strict_mode_messages() {
        assert_eq!(
            column_in_message("Out of range value for column 'money' at row 1").as_deref(),
            Some("money")
        );
        assert_eq!(
            column_in_message("Data too long for column 'name' at row 3").as_deref(),
            Some("name")
        );
        assert_eq!(
            column_in_message("Column 'bot_id' cannot be null").as_deref(),
            Some("bot_id")
        );
        assert_eq!(
            column_in_message(
                "Incorrect string value: '\\xF0\\x9F\\x98\\x80' for column `game`.`t`.`name` at row 1"
            )
            .as_deref(),
            Some("name")
        );
        assert_eq!(
            column_in_message("Data too long for column `note` at row 2").as_deref(),
            Some("note")
        );
        assert_eq!(column_in_message("Deadlock found"), None);
    }

    #[test]
    fn finds_the_row_in_strict_mode_messages() {
        assert_eq!(
            server_row("Data too long for column 'name' at row 3"),
            Some(3)
        );
        assert_eq!(
            server_row("Out of range value for column 'money' at row 12"),
            Some(12)
        );
        assert_eq!(server_row("Column 'bot_id' cannot be null"), None);
        assert_eq!(server_row("Incorrect value at row x"), None);
    }
}
