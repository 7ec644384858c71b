#![doc = include_str!("../../README.md")]

// Lets the derive's absolute `::playerbot_db::` paths work inside this crate (`bots`).
extern crate self as playerbot_db;

mod behind;
pub mod bots;
mod bulk;
mod cache;
mod chunking;
mod config;
mod db;
mod dialect;
pub mod embedded;
mod entity;
mod error;
mod fnv;
pub mod generate;
mod ident;
mod live_table;
pub mod migrate;
pub mod partitions;
mod pool;
mod registry;
mod repo;
pub mod schema_check;
pub mod session;
mod unix_time;
mod unset;

#[doc(hidden)]
pub mod __private;

pub use behind::{WhenFull, WriteBehindConfig, WriteBehindStats};
pub use bulk::{BulkMode, BulkReport, BulkSave, Conflict, TxScope, MAX_ROWS_PER_CALL};
pub use cache::{CacheHooks, CacheStats};
pub use config::{DbConfig, DbUrl};
pub use db::{Db, DbBuilder};
pub use dialect::{Dialect, ServerFlavor};
pub use entity::{
    BotEntity, BotEnum, CachePolicy, Column, ColumnMeta, EntityMeta, EntitySql, IndexMeta, Lookup,
    LookupSql, Partitioning, RowError, ScanSql, Statements, ValueKind,
};
pub use error::{ConnectError, Context, Error, ErrorKind, ValueProblem};
/// The driver, for code that wants to run the generated SQL by hand.
pub use mysql_async;
/// The derives live in the macro namespace beside the traits of the same name.
pub use playerbot_db_derive::{BotEntity, BotEnum};
pub use pool::{PoolStats, PooledConn};
pub use repo::{Scan, Transaction, TxBatch};
