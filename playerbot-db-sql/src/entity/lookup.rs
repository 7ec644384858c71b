//! Reads other than by the whole key: by a key prefix or an indexed column, counts, and a
//! scan in key order in batches.

use super::Table;
use crate::quote::ident;

/// The statements of one lookup (a key prefix or an indexed column).
#[derive(Debug, Clone)]
pub struct LookupSql {
    /// The looked-up columns, in order.
    pub columns: Vec<String>,
    /// Rows in key order.
    pub select: String,
    /// Deletes the rows.
    pub delete: String,
    /// Counts the rows.
    pub count: String,
}

/// A scan in key order, `LIMIT ?` rows at a time; the next batch starts after the last key
/// seen (keyset pagination: each batch is one index range read, however deep the scan).
#[derive(Debug, Clone)]
pub struct ScanSql {
    /// The first batch.
    pub first: String,
    /// The batch after a key.
    pub next: String,
    /// The same within `[lower, upper)` of the partition key (one partition); empty for an
    /// entity that is not partitioned.
    pub first_in_range: String,
    /// The batch after a key, within the range.
    pub next_in_range: String,
}

pub(crate) fn lookup(table: &Table, select_head: &str, columns: &[usize]) -> LookupSql {
    let predicate = columns
        .iter()
        .map(|&i| format!("{} = ?", ident(&table.columns[i].name)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let name = ident(&table.name);
    LookupSql {
        columns: columns
            .iter()
            .map(|&i| table.columns[i].name.clone())
            .collect(),
        select: format!("{select_head} WHERE {predicate} {}", key_order(table))
            .trim_end()
            .to_owned(),
        delete: format!("DELETE FROM {name} WHERE {predicate}"),
        count: format!("SELECT COUNT(*) FROM {name} WHERE {predicate}"),
    }
}

pub(crate) fn count_all(table: &Table) -> String {
    format!("SELECT COUNT(*) FROM {}", ident(&table.name))
}

pub(crate) fn scan(table: &Table, select_head: &str) -> ScanSql {
    let order = key_order(table);
    let after = after_key(table);
    let (first_in_range, next_in_range) = match &table.partition {
        Some(partition) => {
            let range = format!("{0} >= ? AND {0} < ?", ident(&partition.column));
            (
                format!("{select_head} WHERE {range} {order} LIMIT ?"),
                format!("{select_head} WHERE {range} AND {after} {order} LIMIT ?"),
            )
        }
        None => (String::new(), String::new()),
    };
    ScanSql {
        first: format!("{select_head} {order} LIMIT ?"),
        next: format!("{select_head} WHERE {after} {order} LIMIT ?"),
        first_in_range,
        next_in_range,
    }
}

/// `ORDER BY` the key columns (nothing for an append-only table, which has none).
fn key_order(table: &Table) -> String {
    let keys: Vec<String> = table.keys().map(|c| ident(&c.name)).collect();
    if keys.is_empty() {
        return String::new();
    }
    format!("ORDER BY {}", keys.join(", "))
}

/// Rows after a key: `` `k` > ? ``, or `` (`a`, `b`) > (?, ?) `` for a composite key.
fn after_key(table: &Table) -> String {
    let keys: Vec<String> = table.keys().map(|c| ident(&c.name)).collect();
    if keys.len() == 1 {
        return format!("{} > ?", keys[0]);
    }
    let marks = vec!["?"; keys.len()].join(", ");
    format!("({}) > ({marks})", keys.join(", "))
}
