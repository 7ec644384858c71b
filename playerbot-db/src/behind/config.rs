//! The write-behind settings.

use std::time::Duration;

/// When the queue holds its bound of dirty rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// Wait up to this long for the flusher to make room, then fail with
    /// [`Error::QueueFull`](crate::Error::QueueFull).
    Wait(Duration),
    /// Fail at once with [`Error::QueueFull`](crate::Error::QueueFull).
    Reject,
}

/// Write-behind settings (`DbBuilder::write_behind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteBehindConfig {
    /// The longest a row waits before a flush starts (default 1 s).
    pub interval: Duration,
    /// Pending rows of one entity type that start a flush at once (default 10,000).
    pub threshold: usize,
    /// The most dirty keys one entity type holds (pending or being written; default
    /// 1,000,000): a write of another key past it is decided by `when_full`.
    pub max_dirty: usize,
    /// What a write does when the queue is full (default: wait up to 5 s).
    pub when_full: WhenFull,
    /// Connections one flush of an entity type writes over at once, each taking a
    /// contiguous range of (partition, key) in a transaction of its own (default 2).
    pub connections: usize,
}

impl Default for WriteBehindConfig {
    fn default() -> Self {
        WriteBehindConfig {
            interval: Duration::from_secs(1),
            threshold: 10_000,
            max_dirty: 1_000_000,
            when_full: WhenFull::Wait(Duration::from_secs(5)),
            connections: 2,
        }
    }
}
