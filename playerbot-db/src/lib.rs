#![doc = include_str!("../../README.md")]

// Lets the derive's absolute `::playerbot_db::` paths work inside this crate (`bots`).
extern crate self as playerbot_db;

pub mod bots;
mod dialect;
pub mod embedded;
mod entity;
mod error;
pub mod schema_check;
pub mod session;

#[doc(hidden)]
pub mod __private;

pub use dialect::{Dialect, ServerFlavor};
pub use entity::{
    BotEntity, BotEnum, CachePolicy, ColumnMeta, EntityMeta, EntitySql, Partitioning, RowError,
    Statements, ValueKind,
};
pub use error::Error;
/// The driver, for code that wants to run the generated SQL by hand.
pub use mysql_async;
/// The derives live in the macro namespace beside the traits of the same name.
pub use playerbot_db_derive::{BotEntity, BotEnum};
