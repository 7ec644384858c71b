//! The crate's one error type. Every variant that concerns a row names the entity, and where
//! it applies the key, the statement and the column; the classifying methods tell a caller
//! what to do about it.

use std::fmt;
use std::time::Duration;

use crate::RowError;

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

    /// Codes with which the server says it is dropping this connection.
    pub(crate) fn is_connection_code(code: u16) -> bool {
        matches!(code, CONNECTION_KILLED | SERVER_SHUTDOWN)
    }
}

/// Where an error happened: which entity, which key, which statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The entity's name.
    pub entity: Option<&'static str>,
    /// The key, formatted with `Debug`.
    pub key: Option<String>,
    /// What was being run: `"upsert"`, `"select_by_key"`, `"transaction"`, …
    pub statement: Option<&'static str>,
    /// For bulk saves: the failing chunk (1-based) and how many chunks the call had.
    pub chunk: Option<(usize, usize)>,
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(entity) = self.entity {
            parts.push(format!("entity {entity}"));
        }
        if let Some(key) = &self.key {
            parts.push(format!("key {key}"));
        }
        if let Some(statement) = self.statement {
            parts.push(format!("statement {statement}"));
        }
        if let Some((chunk, chunks)) = self.chunk {
            parts.push(format!("chunk {chunk} of {chunks}"));
        }
        if parts.is_empty() {
            Ok(())
        } else {
            write!(f, " ({})", parts.join(", "))
        }
    }
}

/// Why a value was refused before it reached the server (or by the server in strict mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueProblem {
    /// A NaN or infinite float: the server cannot store it.
    NotFinite,
    /// Text or bytes longer than the column holds.
    TooLong {
        /// The most the column holds, in `unit`.
        max: u64,
        /// The value's length, in `unit`.
        found: u64,
        /// What was counted: `"characters"` or `"bytes"`.
        unit: &'static str,
    },
    /// Text with a character the column's character set cannot hold (an emoji in a
    /// utf8mb3 column, say); the server would refuse it or turn it into `?`.
    NotInCharset {
        /// The column's character set.
        charset: &'static str,
        /// The first character it cannot hold.
        character: char,
    },
    /// A number outside what the column can represent (unix seconds past the years a
    /// DATETIME holds, say).
    OutOfRange {
        /// The value, formatted.
        value: String,
        /// The range the column holds, in words.
        range: &'static str,
    },
    /// The server refused the value (strict mode); its message says why.
    Rejected {
        /// The server's error code (1406 data too long, 1264 out of range, …).
        code: u16,
        /// The server's message.
        message: String,
    },
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueProblem::NotFinite => write!(f, "NaN and infinite floats cannot be stored"),
            ValueProblem::TooLong { max, found, unit } => {
                write!(f, "{found} {unit}, the column holds at most {max}")
            }
            ValueProblem::NotInCharset { charset, character } => write!(
                f,
                "{character:?} (U+{:04X}) cannot be stored in a {charset} column",
                u32::from(*character)
            ),
            ValueProblem::OutOfRange { value, range } => {
                write!(f, "{value} is outside {range}")
            }
            ValueProblem::Rejected { code, message } => {
                write!(f, "the server refused it ({code}): {message}")
            }
        }
    }
}

/// The crate's error: what failed, with the entity, key and statement where they apply. Use
/// [`Error::kind`] and the `is_*` checks to decide what to do, not the message text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A call that addresses a row by key on an `append_only` entity (a table without a
    /// primary key); use the entity's `by_…` lookups instead.
    #[error("{entity} is append-only (its table has no primary key), so `{call}` has no key to go by; use insert, save_all and the by_… lookups")]
    NoKey {
        /// The entity's name.
        entity: &'static str,
        /// The call that needs a key.
        call: &'static str,
    },

    /// The write-behind queue holds its bound of dirty rows and made no room in time; the
    /// write was not accepted (nothing was dropped).
    #[error("{entity}: the write-behind queue is full ({max_dirty} dirty rows), so the deferred write of key {key} was not accepted")]
    QueueFull {
        /// The entity's name.
        entity: &'static str,
        /// The key of the write that was refused, formatted with `Debug`.
        key: String,
        /// The queue's bound on dirty rows.
        max_dirty: usize,
    },

    /// A value cannot be stored in its column; nothing was written.
    #[error("invalid value for {entity}.{column} (key {key}): {problem}")]
    InvalidValue {
        /// The entity's name.
        entity: &'static str,
        /// The row's key, formatted with `Debug`.
        key: String,
        /// The column the value was for.
        column: String,
        /// Why the value does not fit.
        problem: ValueProblem,
    },

    /// The server returned an error for a statement.
    #[error("server error {code} ({state}): {message}{context}")]
    Server {
        /// The server's error code.
        code: u16,
        /// The SQLSTATE.
        state: String,
        /// The server's message.
        message: String,
        /// Where it happened.
        context: Box<Context>,
    },

    /// The connection broke while a statement was running or being sent: it may or may not
    /// have been applied ([`Error::outcome_unknown`]).
    #[error(
        "connection to the server lost, the outcome unknown: {}{context}",
        driver_text(source)
    )]
    ConnectionLost {
        /// The driver's error.
        #[source]
        source: mysql_async::Error,
        /// Where it happened.
        context: Box<Context>,
    },

    /// A new connection could not be opened. While the server stays away, further attempts
    /// are spaced out (backoff) and calls in between fail at once with the last error.
    #[error(transparent)]
    Connect(Box<ConnectError>),

    /// A statement did not finish within the statement timeout; its connection was closed
    /// (a write's outcome is unknown: the server may still apply it).
    #[error("statement did not finish within {after:?}{context}")]
    StatementTimeout {
        /// The statement timeout that ran out.
        after: Duration,
        /// Where it happened.
        context: Box<Context>,
    },

    /// The server rolled the transaction back (deadlock, or a lock wait timeout with
    /// `innodb_rollback_on_timeout`); nothing of it was applied and it accepts no more calls.
    #[error("the server rolled this transaction back after error {code}; start a new one")]
    TransactionRolledBack {
        /// The server error that rolled it back (1213 deadlock, 1205 lock wait timeout).
        code: u16,
    },

    /// [`Db::close`](crate::Db::close) was called: the pool opens and lends no connections.
    #[error("the database handle was closed")]
    Closed,

    /// The entity was not registered with the [`DbBuilder`](crate::DbBuilder).
    #[error("entity {entity} is not registered with this Db; add `.register::<{entity}>()` to the builder")]
    NotRegistered {
        /// The entity's name.
        entity: &'static str,
    },

    /// No connection became free within the checkout timeout.
    #[error("no connection available within {waited:?} ({in_use} of {max} in use)")]
    PoolTimeout {
        /// How long the call waited.
        waited: Duration,
        /// Connections lent out when it gave up.
        in_use: usize,
        /// The pool's `max_connections`.
        max: usize,
    },

    /// The row's value in a unique column belongs to another row (another primary key). The
    /// save changed nothing: an upsert never overwrites a row of another key.
    #[error("{entity} (key {key}): the value of unique column {columns} is another row's; nothing was changed")]
    UniqueConflict {
        /// The entity's name.
        entity: &'static str,
        /// The key of the row that was not saved, formatted with `Debug`.
        key: String,
        /// The entity's unique column, or its unique columns joined with " or ".
        columns: String,
    },

    /// A [`Atomicity::PerChunk`](crate::Atomicity::PerChunk) bulk save failed after some of its
    /// chunks were committed: those stay saved, the failing chunk and the rest are not.
    /// Rows are written in partition, then primary-key order, so the saved rows are the
    /// first `saved_rows` of the call's distinct rows in that order. `kind()` and the `is_*`
    /// checks answer for `source`.
    #[error("bulk save stopped after {saved_chunks} of {chunks} chunks ({saved_rows} rows saved): {source}")]
    PartlySaved {
        /// Chunks committed before the failure.
        saved_chunks: usize,
        /// Chunks the call had in all.
        chunks: usize,
        /// Rows committed before the failure.
        saved_rows: usize,
        /// The error that stopped the save.
        source: Box<Error>,
    },

    /// A row did not decode into the entity.
    #[error(transparent)]
    Decode(#[from] RowError),

    /// More rows or keys than one call accepts.
    #[error("{what}: {count} exceeds the limit of {limit}")]
    TooLarge {
        /// What was counted (`"rows in one bulk save"`, …).
        what: &'static str,
        /// How many the call had.
        count: usize,
        /// How many one call accepts; split the work into smaller calls.
        limit: usize,
    },

    /// One row alone is larger than the server accepts in a packet (`max_allowed_packet`).
    #[error("{entity} row with key {key} needs {bytes} bytes, more than the server's max_allowed_packet of {max_allowed_packet}")]
    RowTooLarge {
        /// The entity's name.
        entity: &'static str,
        /// The row's key, formatted with `Debug`.
        key: String,
        /// The size the row's statement needs.
        bytes: usize,
        /// The server's `max_allowed_packet`; raise it to save this row.
        max_allowed_packet: usize,
    },

    /// Partition maintenance would take the table past the partitions a table may have.
    #[error("table {table} would need {needed} partitions to cover id {id}, more than the server's limit of {limit}; nothing was changed")]
    TooManyPartitions {
        /// The table.
        table: &'static str,
        /// The id the partitions were to cover (the highest id plus headroom).
        id: u64,
        /// The partitions the table would have in all.
        needed: u64,
        /// The most partitions a table may have.
        limit: u64,
    },

    /// A bulk save would not be all or nothing: the table's engine cannot roll back. Allow it
    /// with `allow_partial_writes(true)`, or move the table to InnoDB.
    #[error("{entity}: table {table} uses {engine}, which cannot roll back, so a bulk save cannot be all or nothing; allow it with allow_partial_writes(true) or convert the table to InnoDB")]
    NotTransactional {
        /// The entity's name.
        entity: &'static str,
        /// The entity's table.
        table: &'static str,
        /// The table's storage engine (MyISAM, Aria, …).
        engine: String,
    },

    /// An upsert into a table with a unique key besides the entity's key, where no guard can
    /// keep it from rewriting another row: the entity's first key column is nullable text
    /// in the live table. Declare the table's real primary key as the entity's key.
    #[error("{entity}: table {table} has the unique key {columns} besides the entity's key, and its first key column is nullable text, so an upsert could rewrite another row; make the entity's key the table's primary key")]
    UnguardedUnique {
        /// The entity's name.
        entity: &'static str,
        /// The entity's table.
        table: &'static str,
        /// The table's other unique keys, as `a or (b, c)`.
        columns: String,
    },

    /// The entity's table does not exist in the database (create it, or run the migrations).
    #[error("table {table} of {entity} does not exist in this database")]
    NoSuchTable {
        /// The entity's name.
        entity: &'static str,
        /// The missing table.
        table: &'static str,
    },

    /// A migration could not be applied, or an applied one has changed.
    #[error("{}{message}", name.as_ref().map_or_else(|| "migrations: ".to_owned(), |name| format!("migration {name}: ")))]
    Migration {
        /// The migration's name; `None` when the failure concerns no one migration.
        name: Option<String>,
        /// What went wrong.
        message: String,
        /// The server's error code, when a statement of the migration failed (also
        /// [`Error::server_code`]).
        code: Option<u16>,
    },

    /// The database URL could not be parsed (shown without its password or any query value
    /// not known to be harmless).
    #[error("bad database URL {url}: {problem}")]
    BadUrl {
        /// The URL, redacted.
        url: String,
        /// What is wrong with it, without any of its values.
        problem: String,
    },

    /// A setting has a value the pool cannot work with.
    #[error("{setting}: {problem}")]
    InvalidSetting {
        /// The setting's name.
        setting: &'static str,
        /// What is wrong with its value.
        problem: &'static str,
    },

    /// The URL turns certificate or host-name checks off (or, with TLS asked for in code,
    /// TLS itself), which no URL may do.
    #[error(
        "TLS certificates and host names are always verified, but the URL {url} asks for {}; \
         remove those parameters",
        params.join(" and ")
    )]
    WeakenedTls {
        /// The URL, without its password.
        url: String,
        /// The URL parameters that weaken the checks; remove them.
        params: Vec<String>,
    },

    /// TLS was asked for and this build has no TLS.
    #[error("TLS was requested but playerbot-db was built without the `tls` feature")]
    TlsUnavailable,

    /// A database or partition name the server could not hold.
    #[error(transparent)]
    BadName(#[from] playerbot_db_sql::NameError),

    /// A partition call on an entity without `#[bot(partition(...))]`.
    #[error(
        "{entity} is not partitioned; add #[bot(partition(...))], or scan it with `scan(None, …)`"
    )]
    NotPartitioned {
        /// The entity's name.
        entity: &'static str,
    },

    /// The server reports a partition bound that is not a bot id (the table was partitioned
    /// by hand).
    #[error("partition {partition} of {table} has the bound {bound:?}, which is not an id")]
    BadPartitionBound {
        /// The table.
        table: &'static str,
        /// The partition's name.
        partition: String,
        /// The bound as the server reports it.
        bound: String,
    },

    /// Another process held a lock this call needs (partition maintenance of the table, or
    /// the migrations of the database) for longer than the call waits.
    #[error("another process held the lock {lock} for {waited:?}; nothing was changed")]
    LockTimeout {
        /// The lock's name.
        lock: String,
        /// How long the call waited.
        waited: Duration,
    },

    /// `update_only` named no column outside the key, so the save would change nothing.
    #[error("update_only for {entity} names no non-key column")]
    EmptyUpdate {
        /// The entity's name.
        entity: &'static str,
    },

    /// A deferred save of a new row (AUTO_INCREMENT id 0): it has no key to be coalesced by.
    #[error("{entity}: a new row (id 0) has no id to be coalesced by; insert it with `insert` or `save_all`")]
    NoIdYet {
        /// The entity's name.
        entity: &'static str,
    },

    /// A file (a migration) could not be read.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`"reading"`, …).
        action: &'static str,
        /// The file or directory.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A write in a shard's transaction to a key that another shard holds: a transaction
    /// never spans shards.
    #[error("{entity} key {key} is on shard {shard}, but this transaction runs on shard {transaction_shard}; a transaction cannot span shards")]
    CrossShard {
        /// The entity written.
        entity: &'static str,
        /// Its key.
        key: String,
        /// The shard that holds the key.
        shard: usize,
        /// The shard the transaction runs on.
        transaction_shard: usize,
    },

    /// A write to a bot-id range that a move held for longer than the cluster's
    /// `move_wait`; nothing was written. Retry it: the range is on its new shard once the
    /// move switched.
    #[error("bot ids {start}..{end} are being moved to another shard and writes to them waited {waited:?}; retry")]
    RangeMoving {
        /// The held range's first id.
        start: u64,
        /// Its end.
        end: u64,
        /// How long the write waited.
        waited: Duration,
    },

    /// A range move was refused or stopped before its switch.
    #[error(transparent)]
    Move(#[from] crate::cluster::MoveError),

    /// The shard map is not usable.
    #[error(transparent)]
    Topology(#[from] crate::cluster::TopologyError),

    /// A table asked for by name does not exist in the current database.
    #[error("table `{table}` does not exist in the current database")]
    UnknownTable {
        /// The name asked for.
        table: String,
    },

    /// Any other driver error.
    #[error("driver error: {source}{context}")]
    Driver {
        /// The driver's error.
        #[source]
        source: mysql_async::Error,
        /// Where it happened.
        context: Box<Context>,
    },

    /// `SELECT VERSION()` returned something that is neither MariaDB nor MySQL.
    #[error("unrecognised server version {0:?}")]
    UnknownServer(String),
}

impl Error {
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

    /// What kind of failure this is; retry, reconnect and backoff decisions are made from it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::PartlySaved { source, .. } => source.kind(),
            Error::Server { code, .. } => kind_of_server_code(*code),
            Error::InvalidValue { .. } => ErrorKind::InvalidValue,
            Error::UniqueConflict { .. } => ErrorKind::DuplicateKey,
            Error::ConnectionLost { .. } => ErrorKind::ConnectionLost,
            Error::Connect(connect) if connect.is_permanent() => ErrorKind::ConnectRejected,
            Error::Connect(_) => ErrorKind::ServerUnavailable,
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
    /// reached, or a pool that was momentarily exhausted.
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
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

impl From<mysql_async::Error> for Error {
    fn from(source: mysql_async::Error) -> Error {
        Error::from_driver(source, Context::default())
    }
}

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
    /// Running the same work again may succeed (see [`Error::is_retryable`]).
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

fn kind_of_server_code(code: u16) -> ErrorKind {
    match code {
        code::DEADLOCK => ErrorKind::Deadlock,
        code::LOCK_WAIT_TIMEOUT => ErrorKind::LockWaitTimeout,
        code::NEEDS_REPREPARE => ErrorKind::StatementInvalidated,
        code::DUPLICATE_KEY => ErrorKind::DuplicateKey,
        _ => ErrorKind::Server,
    }
}

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

impl From<ConnectError> for Error {
    fn from(error: ConnectError) -> Error {
        Error::Connect(Box::new(error))
    }
}

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

/// Server codes that mean "this value does not fit its column" in strict mode.
pub(crate) fn is_value_rejection(code: u16) -> bool {
    matches!(
        code,
        code::DATA_TOO_LONG
            | code::OUT_OF_RANGE
            | code::INCORRECT_VALUE
            | code::TRUNCATED
            | code::COLUMN_CANNOT_BE_NULL
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u16) -> Error {
        Error::Server {
            code,
            state: "HY000".into(),
            message: String::new(),
            context: Box::default(),
        }
    }

    #[test]
    fn stays_small_enough_to_return_cheaply() {
        assert!(
            std::mem::size_of::<Error>() <= 128,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn classifies_server_codes() {
        assert!(server(1213).is_deadlock() && server(1213).is_retryable());
        assert!(server(1205).is_lock_wait_timeout() && server(1205).is_retryable());
        assert!(server(1062).is_duplicate_key() && !server(1062).is_retryable());
        assert!(!server(1064).is_retryable());
        let timeout = Error::PoolTimeout {
            waited: Duration::from_secs(1),
            in_use: 4,
            max: 4,
        };
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
    fn context_reads_naturally() {
        let context = Context {
            entity: Some("BotState"),
            key: Some("42".into()),
            statement: Some("upsert"),
            chunk: Some((2, 5)),
        };
        assert_eq!(
            context.to_string(),
            " (entity BotState, key 42, statement upsert, chunk 2 of 5)"
        );
    }
}
