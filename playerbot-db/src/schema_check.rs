//! Compares a live table (information_schema) with what the derive generates, and reports
//! every difference: columns, types, nullability, keys and partitions.

use crate::catalog::{read_columns, read_keys, ColumnInfo, IndexInfo};
use std::fmt;

use mysql_async::Conn;

use crate::server::Server;
use crate::{ColumnMeta, Db, Dialect, EntityMeta, Error, ValueKind};

/// One way the live table differs from the entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaDifference {
    /// The table does not exist.
    MissingTable,
    /// The entity has a column the table lacks.
    MissingColumn {
        /// The column's name.
        column: String,
    },
    /// The table has a column the entity lacks.
    ExtraColumn {
        /// The column's name.
        column: String,
    },
    /// Columns are in another order than the struct's fields; the generated SQL names its
    /// columns, so this only matters to people reading the table.
    ColumnOrder {
        /// The entity's column names, in order.
        expected: Vec<String>,
        /// The table's column names, in order.
        found: Vec<String>,
    },
    /// A column's SQL type differs (compared after [`normalize_type`]).
    ColumnType {
        /// The column's name.
        column: String,
        /// The entity's type, normalized.
        expected: String,
        /// The table's type, normalized.
        found: String,
    },
    /// A column allows NULL on one side only.
    Nullability {
        /// The column's name.
        column: String,
        /// Whether the entity's column allows NULL.
        expected_nullable: bool,
    },
    /// The primary key has other columns, or another order.
    PrimaryKey {
        /// The entity's key columns, in key order.
        expected: Vec<String>,
        /// The table's key columns, in key order.
        found: Vec<String>,
    },
    /// A column has a unique key of its own on one side only.
    UniqueKey {
        /// The column's name.
        column: String,
        /// The entity declares it (and the table lacks it).
        expected: bool,
    },
    /// A column has an index of its own on one side only.
    Index {
        /// The column's name.
        column: String,
        /// The entity declares it (and the table lacks it).
        expected: bool,
    },
    /// The RANGE partitions differ (partitions that maintenance added before `pmax` are not
    /// a difference).
    Partitions {
        /// The entity's partitions, as `name < bound`.
        expected: Vec<String>,
        /// The table's partitions, as `name < bound`.
        found: Vec<String>,
    },
    /// A text column's collation (or, when the entity names only a charset, its charset)
    /// differs from the entity's.
    Collation {
        /// The column's name.
        column: String,
        /// The collation (or charset) the entity needs.
        expected: String,
        /// The table's.
        found: String,
    },
    /// The table's storage engine differs.
    Engine {
        /// The entity's engine (InnoDB unless declared).
        expected: String,
        /// The table's engine.
        found: String,
    },
    /// A column is AUTO_INCREMENT on one side only.
    AutoIncrement {
        /// The column's name.
        column: String,
        /// The entity declares it `auto_increment` (and the table's column is not).
        expected: bool,
    },
    /// A column's default differs (compared after [`normalize_default`]).
    Default {
        /// The column's name.
        column: String,
        /// The entity's `DEFAULT` clause as declared; `None` for none.
        expected: Option<String>,
        /// The table's default, normalized; `None` for none.
        found: Option<String>,
        /// The field attribute that makes the entity match, as it is written in the source
        /// (`default = "''"`, `server_default = "current_timestamp()"`); `None` when the
        /// entity's `default` should go.
        attribute: Option<String>,
    },
    /// A key over several columns (struct-level `unique(…)`/`index(…)`) that one side lacks.
    CompositeKey {
        /// The key's columns, in order.
        columns: Vec<String>,
        /// A UNIQUE key rather than a plain index.
        unique: bool,
        /// The entity declares it (and the table lacks it).
        expected: bool,
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
                "column `{column}` has collation {found}, the entity needs {expected}: \
                 give the field `#[bot(collation = \"{found}\")]` (or the struct, for every column), \
                 or convert the column"
            ),
            Self::Engine { expected, found } => write!(
                f,
                "the table uses {found}, the entity says {expected}: \
                 add `#[bot(engine = \"{found}\")]` to the struct, or ALTER TABLE … ENGINE={expected}"
            ),
            Self::AutoIncrement { column, expected } => {
                if *expected {
                    write!(f, "column `{column}` is not AUTO_INCREMENT: remove `auto_increment` from the field, or ALTER the column")
                } else {
                    write!(f, "column `{column}` is AUTO_INCREMENT: mark the key field `#[bot(key, auto_increment)]`")
                }
            }
            Self::Default {
                column,
                expected,
                found,
                attribute,
            } => write!(
                f,
                "column `{column}` defaults to {}, the entity says {}: {}",
                found.as_deref().unwrap_or("nothing"),
                expected.as_deref().unwrap_or("nothing"),
                match attribute {
                    Some(attribute) if attribute.starts_with("server_default") => format!(
                        "make the field an `Option` with `#[bot({attribute})]` (`None` leaves it to the server)"
                    ),
                    Some(attribute) => format!("give the field `#[bot({attribute})]`"),
                    None => "remove `default` from the field".to_owned(),
                }
            ),
            Self::CompositeKey {
                columns,
                unique,
                expected,
            } => {
                let word = if *unique { "unique" } else { "index" };
                let list = columns.join(", ");
                if *expected {
                    write!(f, "the table lacks the {word} key ({list}) the entity declares")
                } else {
                    write!(f, "the table has a {word} key ({list}) the entity does not declare: add `#[bot({word}({list}))]` to the struct")
                }
            }
            Self::Partitions { expected, found } => {
                write!(f, "partitions are {found:?}, the entity says {expected:?}")
            }
        }
    }
}

impl Server {
    /// Compares every registered entity with its live table; only entities with differences
    /// are listed.
    pub(crate) async fn check_schema(
        &self,
    ) -> Result<Vec<(&'static str, Vec<SchemaDifference>)>, Error> {
        let mut guard = self.conn().await?;
        let dialect = guard.dialect();
        let conn = &mut guard.routine().conn;
        let mut report = Vec::new();
        for meta in self.registry().metas() {
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
    let live = read_columns(conn, meta.table).await?;
    if live.is_empty() {
        return Ok(vec![SchemaDifference::MissingTable]);
    }
    let mut differences = Vec::new();
    compare_columns(meta, &live, &mut differences);
    compare_collations(meta, &live, dialect, &mut differences);
    compare_extras(meta, &live, &mut differences);
    let engine = crate::live_table::table_engine(conn, meta.table).await?;
    let expected_engine = meta.engine.unwrap_or("InnoDB");
    if let Some(Some(found)) = engine {
        if !found.eq_ignore_ascii_case(expected_engine) {
            differences.push(SchemaDifference::Engine {
                expected: expected_engine.to_owned(),
                found,
            });
        }
    }

    let indexes = read_keys(conn, meta.table).await?;
    compare_keys(meta, &indexes, &mut differences);

    let partitions = crate::partitions::live_partitions(conn, meta.table).await?;
    compare_partitions(meta, &partitions, &mut differences);
    Ok(differences)
}

/// The collation (or charset) a text column must have: its own, else the table's, else the
/// binary NO PAD one of the derive's own tables.
fn expected_collation(meta: &EntityMeta, column: &ColumnMeta, dialect: Dialect) -> Expected {
    match (
        column.collation,
        column.charset,
        meta.collation,
        meta.charset,
    ) {
        (Some(collation), ..) => Expected::Collation(collation),
        (None, Some(charset), ..) => Expected::Charset(charset),
        (None, None, Some(collation), _) => Expected::Collation(collation),
        (None, None, None, Some(charset)) => Expected::Charset(charset),
        (None, None, None, None) => Expected::Collation(dialect.string_collation()),
    }
}

enum Expected {
    Collation(&'static str),
    Charset(&'static str),
}

/// `utf8_…` is the old name of `utf8mb3_…`; servers report either.
fn canonical_charset_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.strip_prefix("utf8_") {
        Some(rest) => format!("utf8mb3_{rest}"),
        None if lower == "utf8" => "utf8mb3".to_owned(),
        None => lower,
    }
}

fn compare_collations(
    meta: &EntityMeta,
    live: &[ColumnInfo],
    dialect: Dialect,
    out: &mut Vec<SchemaDifference>,
) {
    for column in meta
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ValueKind::Text { .. }))
    {
        let Some(found) = live.iter().find(|c| c.name == column.name) else {
            continue;
        };
        let (expected, found) = match expected_collation(meta, column, dialect) {
            Expected::Collation(expected) => (expected, found.collation.as_deref()),
            Expected::Charset(expected) => (expected, found.charset.as_deref()),
        };
        // Binary columns (a `sql_type` of VARBINARY, say) have neither.
        let Some(found) = found else { continue };
        if canonical_charset_name(found) != canonical_charset_name(expected) {
            out.push(SchemaDifference::Collation {
                column: column.name.to_owned(),
                expected: expected.to_owned(),
                found: found.to_owned(),
            });
        }
    }
}

/// AUTO_INCREMENT and defaults.
fn compare_extras(meta: &EntityMeta, live: &[ColumnInfo], out: &mut Vec<SchemaDifference>) {
    for column in meta.columns {
        let Some(found) = live.iter().find(|c| c.name == column.name) else {
            continue;
        };
        let numbered = found.is_auto_increment();
        if numbered != column.auto_increment {
            out.push(SchemaDifference::AutoIncrement {
                column: column.name.to_owned(),
                expected: column.auto_increment,
            });
        }
        let live_column = found;
        let (expected, found) = (
            column.default.and_then(normalize_default),
            live_column.default.as_deref().and_then(normalize_default),
        );
        if expected != found {
            out.push(SchemaDifference::Default {
                column: column.name.to_owned(),
                expected: column.default.map(str::to_owned),
                attribute: found
                    .as_deref()
                    .map(|found| default_attribute(live_column, found)),
                found,
            });
        }
    }
}

/// The attribute that declares `column`'s default (`found`, normalized) as the derive takes
/// it: SQL text, so a string is quoted; an expression on a NOT NULL column is the server's to
/// fill (`server_default`, on an `Option` field).
fn default_attribute(column: &ColumnInfo, found: &str) -> String {
    let raw = column.default.as_deref().unwrap_or_default().trim();
    let expression = column.has_expression_default();
    let sql = if found == "current_timestamp" {
        "current_timestamp()".to_owned()
    } else if expression {
        raw.to_owned()
    } else if column.is_numeric() {
        found.to_owned()
    } else {
        format!("'{}'", found.replace('\'', "''"))
    };
    let not_null = !column.nullable;
    let word = if expression && not_null {
        "server_default"
    } else {
        "default"
    };
    format!("{word} = {sql:?}")
}

/// A default in one form: MariaDB reports string literals quoted and `current_timestamp()`,
/// MySQL reports literals bare and `CURRENT_TIMESTAMP`; `NULL` is no default at all.
pub fn normalize_default(default: &str) -> Option<String> {
    let trimmed = default.trim();
    let unquoted = match trimmed
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
    {
        Some(inner) => inner.replace("''", "'"),
        None => {
            let lower = trimmed.to_ascii_lowercase();
            if lower == "null" {
                return None;
            }
            match lower.as_str() {
                "current_timestamp()" | "now()" | "current_timestamp" => {
                    "current_timestamp".to_owned()
                }
                _ => trimmed.to_owned(),
            }
        }
    };
    Some(unquoted)
}

fn compare_columns(meta: &EntityMeta, live: &[ColumnInfo], out: &mut Vec<SchemaDifference>) {
    for column in meta.columns {
        match live.iter().find(|found| found.name == column.name) {
            None => out.push(SchemaDifference::MissingColumn {
                column: column.name.to_owned(),
            }),
            Some(found_column) => {
                let (expected, found) = (
                    normalize_type(column.sql_type),
                    normalize_type(&found_column.column_type),
                );
                if expected != found {
                    out.push(SchemaDifference::ColumnType {
                        column: column.name.to_owned(),
                        expected,
                        found,
                    });
                }
                if found_column.nullable != column.nullable {
                    out.push(SchemaDifference::Nullability {
                        column: column.name.to_owned(),
                        expected_nullable: column.nullable,
                    });
                }
            }
        }
    }
    for found in live {
        if meta.column(&found.name).is_none() {
            out.push(SchemaDifference::ExtraColumn {
                column: found.name.clone(),
            });
        }
    }
    let expected: Vec<String> = meta.columns.iter().map(|c| c.name.to_owned()).collect();
    let found: Vec<String> = live.iter().map(|found| found.name.clone()).collect();
    let same_set =
        expected.len() == found.len() && expected.iter().all(|name| found.contains(name));
    if same_set && expected != found {
        out.push(SchemaDifference::ColumnOrder { expected, found });
    }
}

fn compare_keys(meta: &EntityMeta, indexes: &[IndexInfo], out: &mut Vec<SchemaDifference>) {
    let expected: Vec<String> = meta.key_columns().map(|c| c.name.to_owned()).collect();
    let found: Vec<String> = indexes
        .iter()
        .find(|index| index.name == "PRIMARY")
        .map(|index| index.columns.clone())
        .unwrap_or_default();
    if expected != found {
        out.push(SchemaDifference::PrimaryKey {
            expected: expected.clone(),
            found,
        });
    }
    let live = live_keys(indexes, &expected);
    // Single-column secondary keys, which are the ones a field's `index`/`unique` declares.
    let single = |unique: bool| -> Vec<String> {
        live.iter()
            .filter(|(columns, is_unique)| columns.len() == 1 && *is_unique == unique)
            .map(|(columns, _)| columns[0].clone())
            .collect()
    };
    let (live_unique, live_indexed) = (single(true), single(false));
    compare_composite_keys(meta, &live, out);
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

/// The secondary keys as (columns in order, unique). A non-unique key that ends with the
/// primary key's columns counts without them: the derive writes them out (see the SQL
/// crate's DDL) and tables made elsewhere usually leave them implicit, and both are the
/// same lookup.
fn live_keys(indexes: &[IndexInfo], primary: &[String]) -> Vec<(Vec<String>, bool)> {
    indexes
        .iter()
        .filter(|index| index.name != "PRIMARY")
        .map(|index| {
            let mut columns = index.columns.clone();
            let own = (1..columns.len()).find(|&own| {
                let suffix = primary.iter().filter(|k| !columns[..own].contains(k));
                !primary.is_empty() && columns[own..].iter().eq(suffix)
            });
            if let Some(own) = own.filter(|_| !index.unique) {
                columns.truncate(own);
            }
            (columns, index.unique)
        })
        .collect()
}

/// Keys over several columns, compared as (columns in order, unique).
fn compare_composite_keys(
    meta: &EntityMeta,
    live: &[(Vec<String>, bool)],
    out: &mut Vec<SchemaDifference>,
) {
    let live: Vec<(Vec<String>, bool)> = live
        .iter()
        .filter(|(columns, _)| columns.len() > 1)
        .cloned()
        .collect();
    let declared: Vec<(Vec<String>, bool)> = meta
        .indexes
        .iter()
        .map(|index| {
            let columns = index.columns.iter().map(|c| (*c).to_owned()).collect();
            (columns, index.unique)
        })
        .collect();
    for (columns, unique) in &declared {
        if !live.contains(&(columns.clone(), *unique)) {
            out.push(SchemaDifference::CompositeKey {
                columns: columns.clone(),
                unique: *unique,
                expected: true,
            });
        }
    }
    for (columns, unique) in live {
        if !declared.contains(&(columns.clone(), unique)) {
            out.push(SchemaDifference::CompositeKey {
                columns,
                unique,
                expected: false,
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

impl Db {
    /// Compares every registered entity with its live table on every shard's primary; only
    /// entities with differences are listed, each difference once (the first shard's first).
    pub async fn check_schema(&self) -> Result<Vec<(&'static str, Vec<SchemaDifference>)>, Error> {
        let mut report: Vec<(&'static str, Vec<SchemaDifference>)> = Vec::new();
        for server in self.servers() {
            for (entity, differences) in server.check_schema().await? {
                let at = match report.iter().position(|(name, _)| *name == entity) {
                    Some(at) => at,
                    None => {
                        report.push((entity, Vec::new()));
                        report.len() - 1
                    }
                };
                for difference in differences {
                    if !report[at].1.contains(&difference) {
                        report[at].1.push(difference);
                    }
                }
            }
        }
        Ok(report)
    }
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
