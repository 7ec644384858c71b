//! The text of every SQL statement playerbot-db sends, for MariaDB and for MySQL ≥ 8.0.19.
//!
//! Pure functions: names and numbers in, statement text out. Nothing here does I/O or knows
//! the driver, so the derive (at compile time) and the runtime (for statements whose shape is
//! only known at run time: multi-row sizes, IN-lists, partition maintenance, the migration
//! history, catalog queries) build their SQL in the same place, and every shape has a
//! snapshot.
//!
//! Identifiers are quoted by one function, [`quote::ident`]. A runtime value that must become
//! SQL text (a database or partition name, a password for a throwaway server) goes through a
//! validating constructor first: [`Name`], [`Secret`].

#![warn(missing_docs)]

mod dialect;
mod name;
pub mod quote;

pub mod admin;
pub mod catalog;
pub mod entity;
pub mod galera;
pub mod group_replication;
pub mod guard;
pub mod history;
pub mod lease;
pub mod monitor;
pub mod moving;
pub mod partition;
pub mod plan;
pub mod replication;
pub mod routing;
pub mod rows;
pub mod session;

pub use dialect::Dialect;
pub use name::{Name, NameError, Secret};
