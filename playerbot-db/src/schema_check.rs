//! Compares a live table (information_schema) with what the derive generates, and reports
//! every difference: columns, types, nullability, keys and partitions.

use std::fmt;

use mysql_async::prelude::Queryable;
use mysql_async::Conn;

use crate::{Dialect, EntityMeta, Error, ValueKind};

/// One way the live table differs from the entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaDifference {
    MissingTable,
    MissingColumn {
        column: String,
    },
    ExtraColumn {
        column: String,
    },
    /// Columns are in another order than the struct's fields; the generated SQL names its
    /// columns, so this only matters to people reading the table.
    ColumnOrder {
        expected: Vec<String>,
        found: Vec<String>,
    },
    ColumnType {
        column: String,
        expected: String,
        found: String,
    },
    Nullability {
        column: String,
        expected_nullable: bool,
    },
    PrimaryKey {
        expected: Vec<String>,
        found: Vec<String>,
    },
    UniqueKey {
        column: String,
        expected: bool,
    },
    Index {
        column: String,
        expected: bool,
    },
    Partitions {
        expected: Vec<String>,
        found: Vec<String>,
    },
    /// A string column's collation is not the binary NO PAD one keys need.
    Collation {
        column: String,
        expected: String,
        found: String,
    },
}

impl fmt::Display for SchemaDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingTable => write!(f, "the table does not exist"),
            Self::MissingColumn { column } => write!(f, "column `{column}` is missing"),
            Self::ExtraColumn { column } => write!(f, "column `{column}` is not in the entity"),
            Self::ColumnOrder { expected, found } => {
                write!(
                    f,
                    "columns are ordered {found:?}, the entity orders them {expected:?}"
                )
            }
            Self::ColumnType {
                column,
                expected,
                found,
            } => {
                write!(
                    f,
                    "column `{column}` is {found}, the entity says {expected}"
                )
            }
            Self::Nullability {
                column,
                expected_nullable,
            } => {
                let (want, have) = if *expected_nullable {
                    ("NULL", "NOT NULL")
                } else {
                    ("NOT NULL", "NULL")
                };
                write!(f, "column `{column}` is {have}, the entity says {want}")
            }
            Self::PrimaryKey { expected, found } => {
                write!(f, "primary key is {found:?}, the entity says {expected:?}")
            }
            Self::UniqueKey { column, expected } => {
                write!(
                    f,
                    "column `{column}` {}",
                    if *expected {
                        "lacks a unique key"
                    } else {
                        "has a unique key the entity does not declare"
                    }
                )
            }
            Self::Index { column, expected } => {
                write!(
                    f,
                    "column `{column}` {}",
                    if *expected {
                        "lacks an index"
                    } else {
                        "has an index the entity does not declare"
                    }
                )
            }
            Self::Collation {
                column,
                expected,
                found,
            } => write!(
                f,
                "column `{column}` has collation {found}, the entity needs {expected}"
            ),
            Self::Partitions { expected, found } => {
                write!(f, "partitions are {found:?}, the entity says {expected:?}")
            }
        }
    }
}

impl crate::Db {
    /// Compares every registered entity with its live table; only entities with differences
    /// are listed.
    pub async fn check_schema(&self) -> Result<Vec<(&'static str, Vec<SchemaDifference>)>, Error> {
        let mut guard = self.conn().await?;
        let dialect = guard.dialect();
        let conn = &mut guard.routine().conn;
        let mut report = Vec::new();
        for meta in self.pool.registry.metas() {
            let differences = check_table(conn, meta, dialect).await?;
            if !differences.is_empty() {
                report.push((meta.entity, differences));
            }
        }
        guard.routine_done();
        Ok(report)
    }
}

/// Compares table `meta.table` in the connection's current database with `meta`, as the
/// derive generates it for a server of `dialect`.
pub async fn check_table(
    conn: &mut Conn,
    meta: &EntityMeta,
    dialect: Dialect,
) -> Result<Vec<SchemaDifference>, Error> {
    let rows: Vec<(String, String, String, Option<String>)> = conn
        .exec(
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLLATION_NAME \
             FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (meta.table,),
        )
        .await?;
    if rows.is_empty() {
        return Ok(vec![SchemaDifference::MissingTable]);
    }
    let mut differences = Vec::new();
    let columns: Vec<(String, String, String)> = rows
        .iter()
        .map(|(name, sql_type, nullable, _)| (name.clone(), sql_type.clone(), nullable.clone()))
        .collect();
    compare_columns(meta, &columns, &mut differences);
    compare_collations(meta, &rows, dialect.string_collation(), &mut differences);

    // (index name, column, non_unique) in index order.
    let indexes: Vec<(String, String, i64)> = conn
        .exec(
            "SELECT INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            (meta.table,),
        )
        .await?;
    compare_keys(meta, &indexes, &mut differences);

    let partitions = crate::partitions::live_partitions(conn, meta.table).await?;
    compare_partitions(meta, &partitions, &mut differences);
    Ok(differences)
}

/// Text columns must use the binary NO PAD collation (binary columns have none).
fn compare_collations(
    meta: &EntityMeta,
    live: &[(String, String, String, Option<String>)],
    expected: &str,
    out: &mut Vec<SchemaDifference>,
) {
    for column in meta
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ValueKind::Text { .. }))
    {
        let found = live
            .iter()
            .find(|(name, ..)| name == column.name)
            .and_then(|(.., collation)| collation.as_deref());
        if let Some(found) = found.filter(|found| *found != expected) {
            out.push(SchemaDifference::Collation {
                column: column.name.to_owned(),
                expected: expected.to_owned(),
                found: found.to_owned(),
            });
        }
    }
}

fn compare_columns(
    meta: &EntityMeta,
    live: &[(String, String, String)],
    out: &mut Vec<SchemaDifference>,
) {
    for column in meta.columns {
        match live.iter().find(|(name, _, _)| name == column.name) {
            None => out.push(SchemaDifference::MissingColumn {
                column: column.name.to_owned(),
            }),
            Some((_, live_type, nullable)) => {
                let (expected, found) =
                    (normalize_type(column.sql_type), normalize_type(live_type));
                if expected != found {
                    out.push(SchemaDifference::ColumnType {
                        column: column.name.to_owned(),
                        expected,
                        found,
                    });
                }
                if (nullable == "YES") != column.nullable {
                    out.push(SchemaDifference::Nullability {
                        column: column.name.to_owned(),
                        expected_nullable: column.nullable,
                    });
                }
            }
        }
    }
    for (name, _, _) in live {
        if meta.column(name).is_none() {
            out.push(SchemaDifference::ExtraColumn {
                column: name.clone(),
            });
        }
    }
    let expected: Vec<String> = meta.columns.iter().map(|c| c.name.to_owned()).collect();
    let found: Vec<String> = live.iter().map(|(name, _, _)| name.clone()).collect();
    let same_set =
        expected.len() == found.len() && expected.iter().all(|name| found.contains(name));
    if same_set && expected != found {
        out.push(SchemaDifference::ColumnOrder { expected, found });
    }
}

fn compare_keys(
    meta: &EntityMeta,
    indexes: &[(String, String, i64)],
    out: &mut Vec<SchemaDifference>,
) {
    let expected: Vec<String> = meta.key_columns().map(|c| c.name.to_owned()).collect();
    let found: Vec<String> = indexes
        .iter()
        .filter(|(index, _, _)| index == "PRIMARY")
        .map(|(_, c, _)| c.clone())
        .collect();
    if expected != found {
        out.push(SchemaDifference::PrimaryKey { expected, found });
    }
    // Single-column secondary keys, which are the ones the derive declares.
    let single = |unique: bool| -> Vec<String> {
        indexes
            .iter()
            .filter(|(index, _, non_unique)| index != "PRIMARY" && (*non_unique == 0) == unique)
            .filter(|(index, _, _)| {
                indexes
                    .iter()
                    .filter(|(other, _, _)| other == index)
                    .count()
                    == 1
            })
            .map(|(_, column, _)| column.clone())
            .collect()
    };
    let (live_unique, live_indexed) = (single(true), single(false));
    for column in meta.columns {
        let has_unique = live_unique.iter().any(|c| c == column.name);
        if has_unique != column.unique {
            out.push(SchemaDifference::UniqueKey {
                column: column.name.to_owned(),
                expected: column.unique,
            });
        }
        let has_index = live_indexed.iter().any(|c| c == column.name);
        if has_index != column.indexed {
            out.push(SchemaDifference::Index {
                column: column.name.to_owned(),
                expected: column.indexed,
            });
        }
    }
}

fn compare_partitions(
    meta: &EntityMeta,
    live: &[(String, Option<String>)],
    out: &mut Vec<SchemaDifference>,
) {
    let found: Vec<String> = live
        .iter()
        .map(|(name, bound)| format!("{name} < {}", bound.as_deref().unwrap_or("?")))
        .collect();
    let expected: Vec<String> = match meta.partitioning {
        None => Vec::new(),
        Some(partitioning) => (0..u64::from(partitioning.count))
            .map(|n| format!("p{n} < {}", partitioning.upper_bound(n)))
            .chain(std::iter::once("pmax < MAXVALUE".to_owned()))
            .collect(),
    };
    // Maintenance adds partitions before `pmax` as ids grow; those are expected.
    let grown = expected.len() > 1
        && found.len() >= expected.len()
        && found[..expected.len() - 1] == expected[..expected.len() - 1]
        && found.last() == expected.last();
    if expected != found && !grown {
        out.push(SchemaDifference::Partitions { expected, found });
    }
}

/// Puts generated and reported types in one form: lower case, single spaces, and no integer
/// display widths (MariaDB reports `int(10) unsigned`, MySQL 8.0.19+ `int unsigned`), except
/// `tinyint(1)`, which both keep because it means boolean.
pub fn normalize_type(sql_type: &str) -> String {
    let lower = sql_type.trim().to_ascii_lowercase();
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = match lower.as_str() {
        "boolean" | "bool" => "tinyint".to_owned(),
        _ => lower.replacen("integer", "int", 1),
    };
    for int in ["tinyint", "smallint", "mediumint", "bigint", "int"] {
        let Some(rest) = lower.strip_prefix(int) else {
            continue;
        };
        // A display width changes nothing stored (MySQL 8 no longer shows it), `tinyint(1)`
        // included: a table that holds a bool in `tinyint(4)` is the same table.
        let Some((_, after)) = rest.strip_prefix('(').and_then(|r| r.split_once(')')) else {
            return lower;
        };
        return format!("{int}{after}");
    }
    lower
}

#[cfg(test)]
mod tests {
    use super::normalize_type;

    #[test]
    fn normalizes_both_servers_spellings() {
        assert_eq!(normalize_type("INT UNSIGNED"), "int unsigned");
        assert_eq!(normalize_type("int(10) unsigned"), "int unsigned");
        assert_eq!(normalize_type("bigint(20)"), "bigint");
        assert_eq!(normalize_type("TINYINT(1)"), "tinyint");
        assert_eq!(normalize_type("tinyint(4)"), "tinyint");
        assert_eq!(normalize_type("tinyint(3) unsigned"), "tinyint unsigned");
        assert_eq!(normalize_type("VARCHAR(64)"), "varchar(64)");
        assert_eq!(normalize_type("DECIMAL(10,2)"), "decimal(10,2)");
        assert_eq!(normalize_type("BOOLEAN"), "tinyint");
    }
}
