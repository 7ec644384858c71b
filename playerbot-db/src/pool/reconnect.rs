//! Spacing out connection attempts while the server is away.

use std::time::{Duration, Instant};

use crate::error::ConnectError;
use crate::Error;

/// After a failed connect, further attempts wait an exponentially growing delay; calls in
/// between fail at once with the last attempt's error (its code and kind kept) instead of
/// hammering a server that is down or refusing.
#[derive(Debug, Default)]
pub(crate) struct Reconnect {
    failures: u32,
    next_attempt: Option<Instant>,
    last_error: Option<ConnectError>,
}

const FIRST_DELAY: Duration = Duration::from_millis(10);

impl Reconnect {
    /// `Err` while still inside the delay after a failure.
    pub(super) fn check(&self) -> Result<(), Error> {
        match (self.next_attempt, &self.last_error) {
            (Some(at), Some(last)) if Instant::now() < at => Err(ConnectError {
                retry_in: Some(at.saturating_duration_since(Instant::now())),
                attempts: self.failures,
                ..last.clone()
            }
            .into()),
            _ => Ok(()),
        }
    }

    pub(super) fn failed(&mut self, error: &Error, max_delay: Duration) {
        self.failures = self.failures.saturating_add(1);
        let delay = FIRST_DELAY
            .saturating_mul(1 << self.failures.min(16))
            .min(max_delay);
        self.next_attempt = Some(Instant::now() + delay);
        self.last_error = Some(match error {
            Error::Connect(connect) => ConnectError::clone(connect),
            other => ConnectError::new(None, other.to_string()),
        });
    }

    pub(super) fn succeeded(&mut self) {
        self.failures = 0;
        self.next_attempt = None;
        self.last_error = None;
    }
}
