//! [`ConnectError`]: why a new connection could not be opened, and what to do about it.

use std::fmt;
use std::time::Duration;

use super::server::{code, driver_text};
use super::Error;

/// Why a new connection could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    /// The server's error code when the server refused (1045 access denied, 1049 unknown
    /// database, 1040 too many connections, …); `None` for network failures and timeouts.
    pub code: Option<u16>,
    /// The driver's or server's message.
    pub message: String,
    /// Set while the pool waits before its next attempt; the error is then the last
    /// attempt's, returned without contacting the server.
    pub retry_in: Option<Duration>,
    /// Failed attempts in a row so far.
    pub attempts: u32,
    /// The server tried: `host:port`, or the socket path.
    pub server: Option<String>,
}

impl ConnectError {
    pub(crate) fn new(code: Option<u16>, message: String) -> ConnectError {
        ConnectError {
            code,
            message,
            retry_in: None,
            attempts: 0,
            server: None,
        }
    }

    /// A refusal that the same settings will meet again.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self.code,
            Some(
                code::DB_ACCESS_DENIED
                    | code::ACCESS_DENIED
                    | code::UNKNOWN_DATABASE
                    | code::NOT_SUPPORTED_AUTH_MODE
                    | code::ACCOUNT_LOCKED
                    | code::SECURE_TRANSPORT_REQUIRED
            )
        )
    }

    /// From a driver error met while connecting.
    pub(crate) fn from_driver(error: &mysql_async::Error) -> ConnectError {
        let code = match error {
            mysql_async::Error::Server(server) => Some(server.code),
            _ => None,
        };
        ConnectError::new(code, driver_text(error))
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.server {
            Some(server) => write!(f, "cannot connect to {server}: {}", self.message)?,
            None => write!(f, "cannot connect to the server: {}", self.message)?,
        }
        if let Some(code) = self.code {
            write!(f, " (error {code})")?;
        }
        // What to do about it, for the failures people meet first.
        let hint = match self.code {
            Some(code::ACCESS_DENIED | code::DB_ACCESS_DENIED) => {
                "; check the user and password in the URL"
            }
            Some(code::UNKNOWN_DATABASE) => "; create the database or fix its name in the URL",
            Some(_) => "",
            None if self.message.contains("refused") => {
                "; is the server running, and is the port in the URL right?"
            }
            None => "",
        };
        f.write_str(hint)?;
        if let Some(delay) = self.retry_in {
            write!(
                f,
                "; next attempt in {delay:?} after {} failed attempts",
                self.attempts
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConnectError {}

impl From<ConnectError> for Error {
    fn from(error: ConnectError) -> Error {
        Error::Connect(Box::new(error))
    }
}
