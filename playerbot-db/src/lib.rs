//! Fast, safe, batched MySQL/MariaDB persistence for MMO player bots.
//!
//! Annotate a bot struct with [`#[derive(BotEntity)]`](macro@BotEntity) and get, at compile
//! time, every statement it needs in both dialects (MariaDB, MySQL ≥ 8.0.19), row mapping,
//! a typed key and partition routing. At run time a [`Db`] holds pools of prepared
//! connections — to one server ([`Db::builder`]) or to every shard of a cluster
//! ([`Db::cluster`]), with the same calls either way — and offers the repository calls:
//! [`Db::save`], [`Db::load`], [`Db::load_many`], [`Db::delete`], bulk saves ([`Db::bulk`]),
//! batches of writes committed together ([`Db::batch`]), live transactions ([`Db::begin`]), a
//! read-through L1 cache and a write-behind queue ([`Db::save_deferred`]).
//!
//! ```no_run
//! use playerbot_db::bots::BotState;
//! use playerbot_db::Db;
//!
//! # async fn run() -> playerbot_db::Result<()> {
//! let db = Db::builder("mysql://bots:secret@127.0.0.1:3306/")
//!     .database("characters")
//!     .register_bot_schema()
//!     .build()
//!     .await?;
//! if let Some(mut bot) = db.load::<BotState>(&42).await? {
//!     bot.health -= 10;
//!     db.save(&bot).await?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The project's README (the quick start, every attribute, the guarantees and the measured
//! numbers) is compiled and run as a doctest by the `playerbot-db-tests` crate, where an
//! embedded server is at hand.
//!
//! # Map
//!
//! The modules form layers; each imports only the ones above it in this list.
//!
//! 1. **Vocabulary**: `error` (every [`Error`], by concern, and the one classifier of
//!    retries and unknown outcomes), `entity` ([`BotEntity`], [`EntityMeta`],
//!    [`CacheHooks`]), `dialect` ([`Dialect`], [`ServerFlavor`]), `config` ([`DbConfig`],
//!    [`DbUrl`]), and small helpers (`unset`, `chunking`, `fnv`, `unix_time`, `session`).
//! 2. **The pool** (`pool`): checkouts, the bound, waiters, the recycler, statements under a
//!    timeout. It knows no entity: what a new connection needs is given to it (`ConnSetup`).
//! 3. **Storage and facts**: `cache` (the L1 cache's storage), [`catalog`] (the one reader of
//!    `information_schema`), `live_table` (what calls need of a live table), `behind` (the
//!    write-behind: queues, [`WriteBehindConfig`], a named flusher, writing through a sink
//!    it is given), `statements` (run-time statement texts).
//! 4. **The registry** (`registry`): the registered entities, their prepared statements,
//!    caches and live tables; it readies every new connection.
//! 5. **One server** (`server`): a pool, its registry, its statement texts and its
//!    write-behind.
//! 6. **Operations** (`repo`): save, insert, load, lookups, scans, batches, transactions and
//!    bulk saves on one server, with retries, validation, cache and queue coordination.
//! 7. **The handle** (`db`): [`Db`] over one server or many shards — every public
//!    repository call, written once and routed; [`DbBuilder`]; replicas, range moves and the
//!    shared shard map ([`cluster`] re-exports their types).
//! 8. **Maintenance**, adding calls to [`Db`]: [`partitions`], [`migrate`],
//!    [`schema_check`], `explain` ([`Db::explain_statements`]), `monitor`
//!    ([`Db::server_stats`]); and [`bots`], the built-in bot schema.
#![warn(missing_docs)]

// Lets the derive's absolute `::playerbot_db::` paths work inside this crate (`bots`).
extern crate self as playerbot_db;

mod behind;
pub mod bots;
mod cache;
pub mod catalog;
mod chunking;
mod coalesce;
mod config;
mod db;
mod dialect;
mod entity;
mod error;
mod explain;
mod fnv;
mod lease;
mod live_table;
pub mod migrate;
mod monitor;
pub mod partitions;
mod pool;
mod registry;
mod repo;
pub mod schema_check;
mod server;
mod session;
mod statements;
mod unix_time;
mod unset;

/// Shards, read replicas and range moves: what a [`Db`] over several servers is built from
/// ([`Topology`](cluster::Topology), [`ClusterPolicy`](cluster::ClusterPolicy)) and reports
/// ([`MoveReport`](cluster::MoveReport), [`ReplicaHealth`](cluster::ReplicaHealth), …).
pub mod cluster {
    pub use crate::db::{
        ClusterPolicy, Follower, GaleraNodeHealth, GaleraSpec, MoveError, MoveReport, MoveState,
        MoveStep, OpenMove, Progress, ReadFrom, ReadStats, ReplicaHealth, ShardSpec, SharedMap,
        Topology, TopologyError, SHARDS_ENV,
    };
}

#[doc(hidden)]
pub mod __private;

pub use behind::{WhenFull, WriteBehindConfig, WriteBehindStats};
pub use cache::CacheStats;
pub use coalesce::CoalesceStats;
pub use config::{DbConfig, DbUrl, DEFAULT_STATEMENT_TIMEOUT};
pub use db::{BulkSave, Db, DbBuilder, Scan, Transaction, WriteBatch};
pub use dialect::{Dialect, ServerFlavor};
pub use entity::{
    BotEntity, BotEnum, CacheHooks, CachePolicy, Column, ColumnMeta, EntityMeta, EntitySql,
    IndexMeta, Lookup, LookupSql, Partitioning, RowError, ScanSql, Statements, ValueKind,
};
pub use error::{ConnectError, Context, Error, ErrorKind, ValueProblem};
pub use explain::{PlanFlag, PlanStep, StatementPlan};
pub use monitor::{PartitionSize, ReplicaStatus, ServerStats, StatementCost, TableSize};
pub use repo::{Atomicity, BulkMode, BulkReport, Conflict, MAX_ROWS_PER_CALL};

/// The result of every fallible call of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
/// The driver, for code that wants to run the generated SQL by hand.
pub use mysql_async;
/// The derives live in the macro namespace beside the traits of the same name.
pub use playerbot_db_derive::{BotEntity, BotEnum};
/// The text of every statement this crate sends, for code that wants to see or reuse it.
pub use playerbot_db_sql as sql;
pub use pool::{PoolStats, PooledConn};
