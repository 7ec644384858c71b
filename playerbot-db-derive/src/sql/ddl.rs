//! CREATE TABLE text, with the RANGE partitioning clause for partitioned entities.

use std::fmt::Write;

use super::quote::{ident, ident_list};
use super::Dialect;
use crate::model::Table;

/// InnoDB and utf8mb4 with a binary NO PAD collation, so string keys compare exactly as
/// Rust's `==` does: byte for byte, trailing spaces included (`utf8mb4_bin` is PAD SPACE on
/// MariaDB, and the servers' default collations ignore case and accents).
fn table_options(dialect: Dialect) -> String {
    format!(
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={}",
        string_collation(dialect)
    )
}

/// The collation of every string column.
fn string_collation(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::MySql => "utf8mb4_0900_bin",
        Dialect::MariaDb => "utf8mb4_nopad_bin",
    }
}

pub(super) fn create_table(table: &Table, dialect: Dialect) -> String {
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
            format!(
                "{} {} {null}{numbered}",
                ident(&column.name),
                column.sql_type
            )
        })
        .collect();
    lines.push(format!(
        "PRIMARY KEY ({})",
        ident_list(table.keys().map(|c| c.name.as_str()))
    ));
    for column in table.columns.iter().filter(|c| c.unique) {
        lines.push(format!("UNIQUE KEY {0} ({0})", ident(&column.name)));
    }
    for column in table.columns.iter().filter(|c| c.index) {
        lines.push(format!("KEY {0} ({0})", ident(&column.name)));
    }
    let mut sql = format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  {}\n) {}",
        ident(&table.name),
        lines.join(",\n  "),
        table_options(dialect)
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
