//! The statement text comes from the shared SQL crate; the derive only bakes it in.

pub(crate) use playerbot_db_sql::entity::{statements, Statements};
pub(crate) use playerbot_db_sql::Dialect;
