//! CREATE TABLE text, with the RANGE partitioning clause for partitioned entities.

use std::fmt::Write;

use super::Table;
use crate::quote::{ident, ident_list};
use crate::Dialect;

/// A non-unique key's columns followed by the primary key's (those not in it already), so a
/// lookup by it reads rows in key order straight from the index. InnoDB appends the primary
/// key to every secondary index anyway, but on a partitioned table the server does not use
/// that hidden suffix for `ORDER BY`, and sorts (measured on MariaDB 10.11: `Using
/// filesort` for `WHERE expires_at = ? ORDER BY bot_id, event` until the index names the key
/// columns).
fn with_key_suffix<'a>(table: &'a Table, mut names: Vec<&'a str>) -> Vec<&'a str> {
    for key in table.keys() {
        if !names.contains(&key.name.as_str()) {
            names.push(&key.name);
        }
    }
    names
}

/// By default InnoDB and utf8mb4 with a binary NO PAD collation, so string keys compare
/// exactly as Rust's `==` does: byte for byte, trailing spaces included (`utf8mb4_bin` is PAD
/// SPACE on MariaDB, and the servers' default collations ignore case and accents). An
/// adopted table's own `engine`, `charset` and `collation` replace these.
fn table_options(table: &Table, dialect: Dialect) -> String {
    let engine = table.engine.as_deref().unwrap_or("InnoDB");
    let mut options = format!("ENGINE={engine}");
    match (&table.charset, &table.collation) {
        (None, None) => {
            write!(
                options,
                " DEFAULT CHARSET=utf8mb4 COLLATE={}",
                string_collation(dialect)
            )
            .expect("write to String");
        }
        (charset, collation) => {
            if let Some(charset) = charset {
                write!(options, " DEFAULT CHARSET={charset}").expect("write to String");
            }
            if let Some(collation) = collation {
                write!(options, " COLLATE={collation}").expect("write to String");
            }
        }
    }
    options
}

/// `CHARACTER SET … COLLATE …` for a text column that names its own.
fn column_charset(charset: Option<&str>, collation: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(charset) = charset {
        write!(out, " CHARACTER SET {charset}").expect("write to String");
    }
    if let Some(collation) = collation {
        write!(out, " COLLATE {collation}").expect("write to String");
    }
    out
}

/// The collation of every string column.
fn string_collation(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::MySql => "utf8mb4_0900_bin",
        Dialect::MariaDb => "utf8mb4_nopad_bin",
    }
}

pub(crate) fn create_table(table: &Table, dialect: Dialect) -> String {
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|column| {
            let null = if column.nullable { "NULL" } else { "NOT NULL" };
            let numbered = if column.auto_increment {
                " AUTO_INCREMENT"
            } else {
                ""
            };
            let charset = if column.text {
                column_charset(column.charset.as_deref(), column.collation.as_deref())
            } else {
                String::new()
            };
            let default = column
                .default
                .as_ref()
                .map_or_else(String::new, |default| format!(" DEFAULT {default}"));
            format!(
                "{} {}{charset} {null}{default}{numbered}",
                ident(&column.name),
                column.sql_type
            )
        })
        .collect();
    if !table.key_order.is_empty() {
        lines.push(format!(
            "PRIMARY KEY ({})",
            ident_list(table.keys().map(|c| c.name.as_str()))
        ));
    }
    for column in table.columns.iter().filter(|c| c.unique) {
        lines.push(format!("UNIQUE KEY {0} ({0})", ident(&column.name)));
    }
    for column in table.columns.iter().filter(|c| c.index) {
        let names = with_key_suffix(table, vec![column.name.as_str()]);
        lines.push(format!(
            "KEY {} ({})",
            ident(&column.name),
            ident_list(names.iter().copied())
        ));
    }
    for index in &table.indexes {
        let names: Vec<&str> = index
            .columns
            .iter()
            .map(|&i| table.columns[i].name.as_str())
            .collect();
        let name: String = names.join("_").chars().take(64).collect();
        let names = if index.unique {
            names
        } else {
            with_key_suffix(table, names)
        };
        let kind = if index.unique { "UNIQUE KEY" } else { "KEY" };
        lines.push(format!(
            "{kind} {} ({})",
            ident(&name),
            ident_list(names.iter().copied())
        ));
    }
    let mut sql = format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  {}\n) {}",
        ident(&table.name),
        lines.join(",\n  "),
        table_options(table, dialect)
    );
    if let Some(partition) = &table.partition {
        write!(sql, "\nPARTITION BY RANGE ({}) (", ident(&partition.column))
            .expect("write to String");
        for n in 0..u64::from(partition.count) {
            let bound = (n + 1).saturating_mul(partition.width);
            write!(sql, "\n  PARTITION `p{n}` VALUES LESS THAN ({bound}),")
                .expect("write to String");
        }
        sql.push_str("\n  PARTITION `pmax` VALUES LESS THAN MAXVALUE\n)");
    }
    sql
}
