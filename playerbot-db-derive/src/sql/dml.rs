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

/// What follows the last row of an upsert: the duplicate-key clause in the dialect's form.
/// Every non-key column is taken from the incoming row; a table of key columns only updates
/// its first key to itself so the statement stays a valid no-op on conflict.
pub(super) fn upsert_tail(table: &Table, dialect: Dialect) -> String {
    let mut updated: Vec<&str> = table
        .columns
        .iter()
        .filter(|c| !c.key)
        .map(|c| c.name.as_str())
        .collect();
    if updated.is_empty() {
        updated.extend(table.keys().take(1).map(|c| c.name.as_str()));
    }
    let assignments = updated
        .iter()
        .map(|name| {
            let column = ident(name);
            match dialect {
                Dialect::MySql => format!("{column} = {ROW_ALIAS}.{column}"),
                Dialect::MariaDb => format!("{column} = VALUES({column})"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    match dialect {
        Dialect::MySql => format!(" AS {ROW_ALIAS} ON DUPLICATE KEY UPDATE {assignments}"),
        Dialect::MariaDb => format!(" ON DUPLICATE KEY UPDATE {assignments}"),
    }
}

pub(super) fn delete_by_key(table: &Table) -> String {
    format!(
        "DELETE FROM {} WHERE {}",
        ident(&table.name),
        key_predicate(table)
    )
}
