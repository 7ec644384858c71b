//! Compares a live table (information_schema) with what the derive generates, and reports
//! every difference: columns, types, nullability, keys and partitions.

mod compare;

pub use compare::{normalize_default, normalize_type};

use crate::catalog::{read_columns, read_keys};
use compare::{
    compare_collations, compare_columns, compare_extras, compare_keys, compare_partitions,
};
use std::fmt;

use mysql_async::Conn;

use crate::server::Server;
use crate::{Db, Dialect, EntityMeta, Error};

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
