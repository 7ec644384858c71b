//! SELECT, INSERT, upsert and DELETE text.

use super::Table;
use crate::guard::{self, incoming, GuardValue};
use crate::quote::{ident, ident_list};
use crate::Dialect;

pub(crate) fn select_head(table: &Table) -> String {
    format!(
        "SELECT {} FROM {}",
        ident_list(table.columns.iter().map(|c| c.name.as_str())),
        ident(&table.name)
    )
}

/// `` `a` = ? AND `b` = ? `` over the key columns in key order.
pub(crate) fn key_predicate(table: &Table) -> String {
    table
        .keys()
        .map(|column| format!("{} = ?", ident(&column.name)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `` INSERT INTO `t` (`a`, `b`) VALUES `` — multi-row statements repeat the placeholder group.
pub(crate) fn insert_head(table: &Table) -> String {
    crate::rows::insert_head(&table.name, table.columns.iter().map(|c| c.name.as_str()))
}

/// `(?, ?, ?)`: one row of placeholders.
pub(crate) fn row_placeholders(table: &Table) -> String {
    crate::rows::row_placeholders(table.columns.len())
}

/// `SELECT 1 FROM <table> WHERE <key> = ?… LIMIT 1`: whether a key has a row.
pub(crate) fn exists(table: &Table) -> String {
    format!(
        "SELECT 1 FROM {} WHERE {} LIMIT 1",
        ident(&table.name),
        key_predicate(table)
    )
}

/// Starts the duplicate-key clause: after the last row of an insert, before the assignments.
///
/// With a `unique` key besides the primary key, a conflict may be with another row (same
/// unique value, other primary key), which the update would then overwrite; the clause then
/// starts with the guard (see [`crate::guard`]) on the first key column: a refusal text on an
/// `auto_increment` key (NULL would be stored as 0 there), NULL otherwise. Entities without
/// a unique key get no guard and pay nothing; the runtime adds one when the live table has
/// a unique key the entity does not declare.
pub(crate) fn update_prefix(table: &Table, dialect: Dialect) -> String {
    let head = guard::update_head(dialect);
    if !table.has_unique() {
        return head.to_owned();
    }
    let first = &table.columns[key_index(table)];
    let keys: Vec<&str> = table.keys().map(|c| c.name.as_str()).collect();
    let value = if first.auto_increment {
        GuardValue::Refusal
    } else {
        GuardValue::Null
    };
    format!(
        "{head}{}, ",
        guard::conflict_guard(&keys, &first.name, value, dialect)
    )
}

/// One assignment per column, in column order: a non-key column takes the incoming row's
/// value; a key column is assigned to itself, which changes nothing and is what "ignore
/// conflicts" and tables of key columns only use.
pub(crate) fn assignments(table: &Table, dialect: Dialect) -> Vec<String> {
    table
        .columns
        .iter()
        .map(|c| {
            let column = ident(&c.name);
            if c.key {
                format!("{column} = {column}")
            } else {
                format!("{column} = {}", incoming(&c.name, dialect))
            }
        })
        .collect()
}

/// What follows the last row of an upsert: every non-key column from the incoming row (or,
/// for a table of key columns only, the no-op assignment of its first key).
pub(crate) fn upsert_tail(table: &Table, dialect: Dialect) -> String {
    let assignments = assignments(table, dialect);
    let mut updated: Vec<&str> = table
        .columns
        .iter()
        .zip(&assignments)
        .filter(|(c, _)| !c.key)
        .map(|(_, a)| a.as_str())
        .collect();
    if updated.is_empty() {
        updated.push(&assignments[key_index(table)]);
    }
    format!("{}{}", update_prefix(table, dialect), updated.join(", "))
}

/// What follows the last row of an insert that keeps existing rows as they are: a no-op
/// assignment of the first key, which the unique-column guard already is when there is one.
pub(crate) fn ignore_tail(table: &Table, dialect: Dialect) -> String {
    let prefix = update_prefix(table, dialect);
    match prefix.strip_suffix(", ") {
        Some(guarded) => guarded.to_owned(),
        None => format!("{prefix}{}", assignments(table, dialect)[key_index(table)]),
    }
}

fn key_index(table: &Table) -> usize {
    *table.key_order.first().expect("checked: a key exists")
}

pub(crate) fn delete_by_key(table: &Table) -> String {
    format!(
        "DELETE FROM {} WHERE {}",
        ident(&table.name),
        key_predicate(table)
    )
}
