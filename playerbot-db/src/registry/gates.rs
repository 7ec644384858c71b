//! The gates an entity's calls coalesce through (see `coalesce.rs`): its single-row saves
//! and its one-column lookups, with what a joined statement of each needs.

use mysql_async::Row;

use super::{dialect_index, LOAD_MANY_SIZES};
use crate::coalesce::{AnyGate, Gate};
use crate::{Dialect, EntityMeta};

/// Statements of one entity's point loads at the server before loads join the next one.
/// Measured with `bench --scenarios concurrent_load_64`: on one machine 64 tasks made
/// 169-181 k loads/s with one and 175-182 k/s with two; on one with slower round trips
/// (a point load 175 µs at p50) 46-50 k/s with one and 96-108 k/s with two.
pub(super) const LOADS_RUNNING: usize = 2;
/// Single-row saves: one bulk save at a time, so they land in the order they came (a
/// task's later save never before an earlier one it gave up waiting for).
const SAVES_RUNNING: usize = 1;

/// The turns of one entity's single-row saves, with how a joined save copies a row.
pub(crate) struct SaveGate<E> {
    pub(crate) gate: Gate<E, ()>,
    pub(crate) copy: fn(&E) -> E,
}

impl<E> SaveGate<E> {
    pub(super) fn new(copy: fn(&E) -> E) -> SaveGate<E> {
        SaveGate {
            gate: Gate::new(SAVES_RUNNING),
            copy,
        }
    }
}

impl<E> std::fmt::Debug for SaveGate<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaveGate")
            .field("gate", &self.gate)
            .finish()
    }
}

impl<E: Send + Sync + 'static> AnyGate for SaveGate<E> {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn joined(&self) -> (u64, u64) {
        self.gate.joined()
    }
}

/// The turns of one lookup's reads (`load_by`) of one integer column, with the statements
/// that read many values at once: a joined read files each row under its column's value.
#[derive(Debug)]
pub(crate) struct LookupGate {
    pub(crate) gate: Gate<i128, Vec<Row>>,
    /// The looked-up column's place in a row (the entity's columns, in order).
    pub(crate) column: usize,
    /// `SELECT … WHERE column IN (…) ORDER BY key` per size in `LOAD_MANY_SIZES`, per
    /// dialect.
    select_in: [Vec<String>; 2],
}

impl LookupGate {
    /// For one-column lookups; `None` for the others (their values are compared as lists).
    pub(super) fn new(meta: &'static EntityMeta, lookup: usize) -> Option<LookupGate> {
        let build = |dialect| {
            let sql = meta.statements(dialect);
            let columns = sql.lookups[lookup].columns;
            let keys: Vec<&str> = meta.key_columns().map(|c| c.name).collect();
            LOAD_MANY_SIZES
                .iter()
                .map(|&n| {
                    playerbot_db_sql::rows::select_by_values(sql.select_head, columns, &keys, n)
                })
                .collect()
        };
        // Rows without a key have no order to keep per caller.
        if meta.is_append_only() {
            return None;
        }
        let [name] = meta.statements(Dialect::MariaDb).lookups[lookup].columns else {
            return None;
        };
        let column = meta.columns.iter().position(|c| c.name == *name)?;
        Some(LookupGate {
            gate: Gate::new(LOADS_RUNNING),
            column,
            select_in: [build(Dialect::MySql), build(Dialect::MariaDb)],
        })
    }

    /// The statement for `LOAD_MANY_SIZES[size_index]` values.
    pub(crate) fn select_in(&self, dialect: Dialect, size_index: usize) -> &str {
        &self.select_in[dialect_index(dialect)][size_index]
    }
}
