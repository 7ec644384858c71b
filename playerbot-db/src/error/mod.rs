//! The crate's one error type, [`Error`]. Every variant that concerns a row names the entity,
//! and where it applies the key, the statement and the column; the classifying methods tell a
//! caller what to do about it. By concern:
//!
//! - `mod.rs`: the [`Error`] enum, its variants grouped by concern.
//! - `kind.rs`: [`ErrorKind`], [`Error::kind`] and what is decided from it: the `is_*` checks,
//!   [`Error::outcome_unknown`], and `Error::worth_another_attempt`, which every retry loop
//!   of the crate asks.
//! - `server.rs`: the server error codes the crate acts on (`code`), [`Error::server_code`],
//!   a driver error made an [`Error`] with its [`Context`] (`From<mysql_async::Error>`), and
//!   what a server's message names (a column, a row).
//! - `connect.rs`: [`ConnectError`] (and `From<ConnectError>`), `context.rs`: [`Context`],
//!   `value.rs`: [`ValueProblem`] and the server codes that refuse a value.
//! - `cluster.rs`: [`MoveError`] and [`TopologyError`]; the `cluster` module re-exports them.
//! - `row.rs`: [`RowError`], a row that did not decode (the `entity` module re-exports it).
//!
//! It names no other module of the crate: every layer raises these errors, so this module
//! depends on none of them.

mod cluster;
mod connect;
mod context;
mod kind;
mod row;
mod server;
mod value;

use std::time::Duration;

pub use cluster::{MoveError, TopologyError};
pub use connect::ConnectError;
pub use context::Context;
pub use kind::ErrorKind;
pub use row::RowError;
use server::driver_text;
pub(crate) use server::{
    code, column_in_message, is_connection_error, server_row, WRITE_SET_BYTES,
};
pub(crate) use value::is_value_rejection;
pub use value::ValueProblem;

/// The crate's error: what failed, with the entity, key and statement where they apply. Use
/// [`Error::kind`] and the `is_*` checks to decide what to do, not the message text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // The server and the link to it.
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

    // The pool, the handle and the write-behind queue.
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

    /// [`Db::close`](crate::Db::close) was called: the pool opens and lends no connections.
    #[error("the database handle was closed")]
    Closed,

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

    // Rows and values: what one call writes or reads.
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

    /// A call that addresses a row by key on an `append_only` entity (a table without a
    /// primary key); use the entity's `by_…` lookups instead.
    #[error("{entity} is append-only (its table has no primary key), so `{call}` has no key to go by; use insert, save_all and the by_… lookups")]
    NoKey {
        /// The entity's name.
        entity: &'static str,
        /// The call that needs a key.
        call: &'static str,
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

    // The schema: registered entities and the tables the server has.
    /// The entity was not registered with the [`DbBuilder`](crate::DbBuilder).
    #[error("entity {entity} is not registered with this Db; add `.register::<{entity}>()` to the builder")]
    NotRegistered {
        /// The entity's name.
        entity: &'static str,
    },

    /// The entity's table does not exist in the database (create it, or run the migrations).
    #[error("table {table} of {entity} does not exist in this database")]
    NoSuchTable {
        /// The entity's name.
        entity: &'static str,
        /// The missing table.
        table: &'static str,
    },

    /// A table asked for by name does not exist in the current database.
    #[error("table `{table}` does not exist in the current database")]
    UnknownTable {
        /// The name asked for.
        table: String,
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

    // Partitions.
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

    // Migrations, locks and files.
    /// The migrations could not be run: one is malformed, out of order or failed, an applied
    /// one has changed, or no database is selected.
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

    /// Another process held a lock this call needs (partition maintenance of the table, or
    /// the migrations of the database) for longer than the call waits.
    #[error("another process held the lock {lock} for {waited:?}; nothing was changed")]
    LockTimeout {
        /// The lock's name.
        lock: String,
        /// How long the call waited.
        waited: Duration,
    },

    /// A local file (a migration, a shard map) could not be read.
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

    // Settings: the URL, TLS and names.
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

    // Clusters.
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

    /// A transaction over shards runs on the shard of its first save, insert, load or
    /// delete; before one it has no connection to lend.
    #[error("the transaction has not chosen its shard yet: its connection exists once a save, insert, load or delete names a key")]
    TransactionUnbound,

    /// A server listed as a node of a Galera shard is not one, or not of the same cluster
    /// as the shard's other nodes.
    #[error("Galera node {node} {problem}")]
    GaleraNode {
        /// The node's URL, password hidden.
        node: String,
        /// What is wrong with it.
        problem: String,
    },

    /// An `append_only` entity (no primary key) on a Galera shard: Galera cannot replicate
    /// a DELETE of a table without a primary key, so its rows could never expire.
    #[error("{entity} is append_only (its table has no primary key), which Galera does not support (it cannot replicate deletes of such a table): give the entity a key to use it on a Galera shard")]
    AppendOnlyOnGalera {
        /// The entity.
        entity: &'static str,
    },

    /// No node of a Galera shard can take writes: none is synced in a primary component.
    #[error("no node of Galera shard {shard} is synced in a primary component, so none can take writes: {states}")]
    NoSyncedNode {
        /// The shard's position.
        shard: usize,
        /// What each node said (or why it could not be asked).
        states: String,
    },

    /// A range move was refused or stopped before its switch.
    #[error(transparent)]
    Move(#[from] MoveError),

    /// The shard map is not usable.
    #[error(transparent)]
    Topology(#[from] TopologyError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_small_enough_to_return_cheaply() {
        assert!(
            std::mem::size_of::<Error>() <= 128,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
