//! What kind of failure an [`Error`] is ([`ErrorKind`], [`Error::kind`]), and everything
//! decided from it: the public `is_*` checks, [`Error::outcome_unknown`], and
//! `Error::worth_another_attempt`, the one decision of every retry loop in the crate.

use super::server::code;
use super::Error;

/// What kind of failure an [`Error`] is. Every retry loop and [`Error::is_retryable`] decide
/// from this, never from the text of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 1213: the server rolled the transaction back; running it again may succeed.
    Deadlock,
    /// 1205: a row lock was not granted in time.
    LockWaitTimeout,
    /// 1615: a table changed under a prepared statement; it did not run.
    StatementInvalidated,
    /// 1062: a row with that key (or unique value) exists.
    DuplicateKey,
    /// The link broke while a statement was sent or running.
    ConnectionLost,
    /// A connection could not be opened: refused, unreachable, timed out, too many
    /// connections, or still inside the reconnect backoff.
    ServerUnavailable,
    /// The server refused the login or the database (1044, 1045, 1049, …): retrying with the
    /// same settings cannot succeed.
    ConnectRejected,
    /// No pooled connection became free in time.
    PoolTimeout,
    /// A statement ran past the statement timeout; a write's outcome is unknown.
    StatementTimeout,
    /// The write-behind queue is full.
    QueueFull,
    /// The transaction was rolled back by the server; start a new one.
    TransactionRolledBack,
    /// The `Db` was closed.
    Closed,
    /// A value does not fit its column; retrying the same values cannot succeed.
    InvalidValue,
    /// Too many rows, keys or partitions for one call, or a row too large for a packet.
    TooLarge,
    /// The code, settings or schema are wrong for the call; fix them rather than retry.
    Config,
    /// A migration failed or an applied one changed.
    Migration,
    /// Another process held a lock the call needs.
    Busy,
    /// A local file could not be read.
    Io,
    /// Any other server error.
    Server,
    /// A driver failure or a reply this crate did not expect.
    Unexpected,
}

impl ErrorKind {
    /// Whether the caller may run the same work again, later, with a chance of success: a
    /// deadlock, a lock wait timeout, a statement invalidated by a concurrent ALTER (1615), a
    /// lost connection, a server that could not be reached, or a pool with no free connection.
    ///
    /// This answers for the caller, after the call returned. The repository calls (saves,
    /// loads, deletes, lookups, scans, batches, bulk saves) have already run their work
    /// again themselves, up to `max_retries` times, for each of these kinds but two: a pool
    /// timeout (the checkout had already waited its full timeout; try later, once the load
    /// has passed), and a lost connection during work that could land twice if run again (a
    /// new `auto_increment` row, a batch with a plain insert). A live transaction
    /// (`Db::begin`), migrations and partition maintenance run nothing again. After a lost
    /// connection the work may have been applied ([`Error::outcome_unknown`]): a caller who
    /// runs it again must allow for that.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Deadlock
                | ErrorKind::LockWaitTimeout
                | ErrorKind::StatementInvalidated
                | ErrorKind::ConnectionLost
                | ErrorKind::ServerUnavailable
                | ErrorKind::PoolTimeout
        )
    }
}

/// The kind of a server error with `code` (one that does not drop the connection).
pub(super) fn kind_of_server_code(code: u16) -> ErrorKind {
    match code {
        // A certification conflict rolls the whole transaction back, like a deadlock (on
        // Galera it is 1213 itself).
        code::DEADLOCK | code::GROUP_CERTIFICATION => ErrorKind::Deadlock,
        code::LOCK_WAIT_TIMEOUT => ErrorKind::LockWaitTimeout,
        code::NEEDS_REPREPARE => ErrorKind::StatementInvalidated,
        code::DUPLICATE_KEY => ErrorKind::DuplicateKey,
        // The node refused the statement unrun: it is not (or no longer) part of a primary
        // component. Another node, or this one later, may take it.
        code::NODE_NOT_READY => ErrorKind::ServerUnavailable,
        // Rolled back, so nothing landed; like 1047, the node may take it later.
        code::COMMIT_FAILED => ErrorKind::ServerUnavailable,
        _ => ErrorKind::Server,
    }
}

impl Error {
    /// What kind of failure this is; retry, reconnect and backoff decisions are made from it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::PartlySaved { source, .. } => source.kind(),
            Error::Server { code, .. } => kind_of_server_code(*code),
            Error::InvalidValue { .. } => ErrorKind::InvalidValue,
            Error::UniqueConflict { .. } => ErrorKind::DuplicateKey,
            Error::ConnectionLost { .. } => ErrorKind::ConnectionLost,
            Error::Connect(connect) if connect.is_permanent() => ErrorKind::ConnectRejected,
            Error::Connect(_) | Error::NoSyncedNode { .. } => ErrorKind::ServerUnavailable,
            Error::PoolTimeout { .. } => ErrorKind::PoolTimeout,
            Error::QueueFull { .. } => ErrorKind::QueueFull,
            Error::StatementTimeout { .. } => ErrorKind::StatementTimeout,
            Error::TransactionRolledBack { .. } => ErrorKind::TransactionRolledBack,
            Error::Closed => ErrorKind::Closed,
            Error::Decode(_) | Error::UnknownServer(_) => ErrorKind::Unexpected,
            Error::TooLarge { .. }
            | Error::RowTooLarge { .. }
            | Error::TooManyPartitions { .. } => ErrorKind::TooLarge,
            Error::NoSuchTable { .. }
            | Error::NotTransactional { .. }
            | Error::UnguardedUnique { .. } => ErrorKind::Config,
            Error::BadUrl { .. }
            | Error::InvalidSetting { .. }
            | Error::WeakenedTls { .. }
            | Error::TlsUnavailable
            | Error::BadName(_)
            | Error::NotPartitioned { .. }
            | Error::EmptyUpdate { .. }
            | Error::NoIdYet { .. }
            | Error::UnknownTable { .. }
            | Error::CrossShard { .. }
            | Error::TransactionUnbound
            | Error::GaleraNode { .. }
            | Error::AppendOnlyOnGalera { .. }
            | Error::Move(_)
            | Error::Topology(_)
            | Error::NotRegistered { .. }
            | Error::NoKey { .. } => ErrorKind::Config,
            Error::BadPartitionBound { .. } => ErrorKind::Unexpected,
            Error::LockTimeout { .. } | Error::RangeMoving { .. } => ErrorKind::Busy,
            Error::Io { .. } => ErrorKind::Io,
            Error::Migration { .. } => ErrorKind::Migration,
            Error::Driver { .. } => ErrorKind::Unexpected,
        }
    }

    /// Deadlock (1213): the transaction was rolled back and can be run again.
    pub fn is_deadlock(&self) -> bool {
        self.kind() == ErrorKind::Deadlock
    }

    /// Lock wait timeout (1205): the statement gave up waiting for a row lock.
    pub fn is_lock_wait_timeout(&self) -> bool {
        self.kind() == ErrorKind::LockWaitTimeout
    }

    /// Duplicate key (1062), or a unique value that belongs to another row.
    pub fn is_duplicate_key(&self) -> bool {
        self.kind() == ErrorKind::DuplicateKey
    }

    /// The connection broke or could not be made; the server may be down or restarting.
    /// A refused login or an unknown database is not this: see [`ErrorKind::ConnectRejected`].
    pub fn is_connection_lost(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::ConnectionLost | ErrorKind::ServerUnavailable
        )
    }

    /// Running the same work again may succeed: a deadlock, a lock wait timeout, a statement
    /// invalidated by a concurrent ALTER (1615), a lost connection, a server that could not be
    /// reached, or a pool that was momentarily exhausted. The call has already retried most
    /// of these itself: see [`ErrorKind::is_retryable`] for which, and what is left to a
    /// caller.
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    /// Whether a retry loop inside a call runs its work again after this error (attempts
    /// bounded by `max_retries`, spaced by `repo::retry::backoff`). Every retry loop of the
    /// crate decides by this alone. It is [`ErrorKind::is_retryable`] without a pool timeout,
    /// and without a lost connection when the work is not `idempotent`:
    ///
    /// - Deadlock, lock wait timeout, a statement invalidated by an ALTER: the server undid
    ///   the attempt's statement (after a deadlock, its whole transaction), so it landed
    ///   nowhere, and another attempt may get the locks or the new table.
    /// - A server that could not be reached: no connection was opened, so nothing was sent;
    ///   the pool's reconnect backoff spaces the attempts.
    /// - A lost connection, only when `idempotent`: the attempt may have been applied before
    ///   the link broke, so it is sent again only when landing twice changes nothing (a
    ///   read, an upsert, a delete by key; a single insert of a given key, whose duplicate
    ///   is then reported as the loss). New `auto_increment` rows, and a batch with a plain
    ///   insert, are not: they could be written twice.
    /// - Never a pool timeout, though a caller may try again later: the checkout already
    ///   waited its full timeout for a free connection, and waiting again inside the same
    ///   call would only make it block for a multiple of the timeout it was given.
    pub(crate) fn worth_another_attempt(&self, idempotent: bool) -> bool {
        match self.kind() {
            ErrorKind::PoolTimeout => false,
            ErrorKind::ConnectionLost => idempotent,
            kind => kind.is_retryable(),
        }
    }

    /// The call may or may not have been applied: a statement was sent and its answer never
    /// came (the connection was lost, or the statement timeout ran out). Also what a call
    /// reports when an earlier attempt ended so and a retry then failed, whatever the retry's
    /// own error: that attempt may have landed.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::PartlySaved { source, .. } => source.outcome_unknown(),
            _ => matches!(
                self.kind(),
                ErrorKind::ConnectionLost | ErrorKind::StatementTimeout
            ),
        }
    }

    /// The data was refused: retrying the same values cannot succeed.
    pub fn is_invalid_value(&self) -> bool {
        self.kind() == ErrorKind::InvalidValue
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::error::ConnectError;

    fn server(code: u16) -> Error {
        Error::Server {
            code,
            state: "HY000".into(),
            message: String::new(),
            context: Box::default(),
        }
    }

    fn lost() -> Error {
        Error::from_driver(
            mysql_async::Error::Driver(mysql_async::DriverError::ConnectionClosed),
            Default::default(),
        )
    }

    fn pool_timeout() -> Error {
        Error::PoolTimeout {
            waited: Duration::from_secs(1),
            in_use: 4,
            max: 4,
        }
    }

    #[test]
    fn classifies_server_codes() {
        assert!(server(1213).is_deadlock() && server(1213).is_retryable());
        // MySQL Group Replication's certification conflict: retried like a deadlock.
        assert!(server(3101).is_deadlock() && server(3101).is_retryable());
        assert!(server(1205).is_lock_wait_timeout() && server(1205).is_retryable());
        assert!(server(1062).is_duplicate_key() && !server(1062).is_retryable());
        assert!(!server(1064).is_retryable());
        let timeout = pool_timeout();
        assert!(timeout.is_retryable() && !timeout.is_connection_lost());
    }

    #[test]
    fn classifies_connect_failures_by_code() {
        let connect = |code| Error::from(ConnectError::new(code, "refused".into()));
        for permanent in [1044, 1045, 1049] {
            let err = connect(Some(permanent));
            assert_eq!(err.kind(), ErrorKind::ConnectRejected);
            assert!(
                !err.is_retryable() && !err.is_connection_lost(),
                "{permanent}"
            );
        }
        for transient in [None, Some(1040)] {
            let err = connect(transient);
            assert_eq!(err.kind(), ErrorKind::ServerUnavailable);
            assert!(
                err.is_retryable() && err.is_connection_lost(),
                "{transient:?}"
            );
        }
        let timeout = Error::StatementTimeout {
            after: Duration::from_secs(1),
            context: Box::default(),
        };
        assert!(!timeout.is_retryable() && !timeout.is_connection_lost());
        assert!(!Error::TransactionRolledBack { code: 1213 }.is_retryable());
    }

    #[test]
    fn runs_another_attempt_for_retryable_kinds_but_a_pool_timeout() {
        let unreachable = Error::from(ConnectError::new(None, "refused".into()));
        for err in [server(1213), server(1205), server(1615), unreachable] {
            assert!(err.is_retryable(), "{err}");
            assert!(err.worth_another_attempt(true), "{err}");
            assert!(err.worth_another_attempt(false), "{err}");
        }
        // A lost connection: only work that may land twice is held back.
        assert!(lost().is_retryable() && lost().outcome_unknown());
        assert!(lost().worth_another_attempt(true));
        assert!(!lost().worth_another_attempt(false));
        // Retryable for the caller, not inside the call.
        assert!(pool_timeout().is_retryable());
        assert!(!pool_timeout().worth_another_attempt(true));
        for err in [server(1062), server(1064)] {
            assert!(!err.worth_another_attempt(true), "{err}");
        }
        let partly = Error::PartlySaved {
            saved_chunks: 1,
            chunks: 2,
            saved_rows: 10,
            source: Box::new(server(1213)),
        };
        assert!(partly.worth_another_attempt(false));
    }
}
