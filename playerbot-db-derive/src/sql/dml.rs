//! SELECT, INSERT, upsert and DELETE text.

use super::quote::{ident, ident_list};
use super::Dialect;
use crate::model::Table;

/// The row alias MySQL's upsert uses to name the incoming row.
const ROW_ALIAS: &str = "new";

pub(super) fn select_head(table: &Table) -> String {
    format!(
        "SELECT {} FROM {}",
        ident_list(table.columns.iter().map(|c| c.name.as_str())),
        ident(&table.name)
    )
}

/// `` `a` = ? AND `b` = ? `` over the key columns in declaration order.
pub(super) fn key_predicate(table: &Table) -> String {
    table
        .keys()
        .map(|column| format!("{} = ?", ident(&column.name)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `` INSERT INTO `t` (`a`, `b`) VALUES `` — multi-row statements repeat the placeholder group.
pub(super) fn insert_head(table: &Table) -> String {
    format!(
        "INSERT INTO {} ({}) VALUES ",
        ident(&table.name),
        ident_list(table.columns.iter().map(|c| c.name.as_str()))
    )
}

/// `(?, ?, ?)`: one row of placeholders.
pub(super) fn row_placeholders(table: &Table) -> String {
    format!("({})", vec!["?"; table.columns.len()].join(", "))
}

/// Starts the duplicate-key clause: after the last row of an insert, before the assignments.
pub(super) fn update_prefix(dialect: Dialect) -> String {
    match dialect {
        Dialect::MySql => format!(" AS {ROW_ALIAS} ON DUPLICATE KEY UPDATE "),
        Dialect::MariaDb => " ON DUPLICATE KEY UPDATE ".to_owned(),
    }
}

/// One assignment per column, in column order: a non-key column takes the incoming row's
/// value; a key column is assigned to itself, which changes nothing and is what "ignore
/// conflicts" and tables of key columns only use.
pub(super) fn assignments(table: &Table, dialect: Dialect) -> Vec<String> {
    table
        .columns
        .iter()
        .map(|c| {
            let column = ident(&c.name);
            match (c.key, dialect) {
                (true, _) => format!("{column} = {column}"),
                (false, Dialect::MySql) => format!("{column} = {ROW_ALIAS}.{column}"),
                (false, Dialect::MariaDb) => format!("{column} = VALUES({column})"),
            }
        })
        .collect()
}

/// What follows the last row of an upsert: every non-key column from the incoming row (or,
/// for a table of key columns only, the no-op assignment of its first key).
pub(super) fn upsert_tail(table: &Table, dialect: Dialect) -> String {
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
    format!("{}{}", update_prefix(dialect), updated.join(", "))
}

/// What follows the last row of an insert that keeps existing rows as they are.
pub(super) fn ignore_tail(table: &Table, dialect: Dialect) -> String {
    format!(
        "{}{}",
        update_prefix(dialect),
        assignments(table, dialect)[key_index(table)]
    )
}

fn key_index(table: &Table) -> usize {
    table
        .columns
        .iter()
        .position(|c| c.key)
        .expect("checked: a key exists")
}

pub(super) fn delete_by_key(table: &Table) -> String {
    format!(
        "DELETE FROM {} WHERE {}",
        ident(&table.name),
        key_predicate(table)
    )
}
