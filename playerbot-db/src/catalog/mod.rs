//! Tables as information_schema describes them: the one reader of the catalog, shared by
//! the live-table facts calls rely on (`live_table`), the schema check (`schema_check`) and
//! the entity generator (`playerbot-db-generate`). [`read_table`] reads a whole table
//! ([`TableInfo`]); [`read_columns`] and [`read_keys`] read its parts.

pub(crate) mod column_type;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};
use playerbot_db_sql::catalog;

/// One table, as much of it as an entity can describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// The table name.
    pub name: String,
    /// Its storage engine.
    pub engine: String,
    /// Its default character set.
    pub charset: Option<String>,
    /// Its default collation.
    pub collation: Option<String>,
    /// Its columns, in order.
    pub columns: Vec<ColumnInfo>,
    /// Keys other than the primary key, and the primary key (named `PRIMARY`).
    pub indexes: Vec<IndexInfo>,
    /// The table is partitioned (the entity cannot say how; the generator says so).
    pub partitioned: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// One column as information_schema describes it.
pub struct ColumnInfo {
    /// The column name.
    pub name: String,
    /// `DATA_TYPE`, lower case: `int`, `varchar`, `enum`.
    pub data_type: String,
    /// `COLUMN_TYPE` as reported: `int(10) unsigned`, `enum('RELEASED','CUSTOM')` (the
    /// servers write the type in lower case and the values as declared).
    pub column_type: String,
    /// NULL allowed.
    pub nullable: bool,
    /// `CHARACTER_MAXIMUM_LENGTH` of string columns.
    pub max_len: Option<u64>,
    /// The column's character set (text columns).
    pub charset: Option<String>,
    /// The column's collation (text columns).
    pub collation: Option<String>,
    /// `COLUMN_DEFAULT` as reported (`NULL` counts as none).
    pub default: Option<String>,
    /// `EXTRA`, lower case: `auto_increment`, `on update current_timestamp()`.
    pub extra: String,
}

/// One key of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexInfo {
    /// The key's name (`PRIMARY` for the primary key).
    pub name: String,
    /// A UNIQUE key.
    pub unique: bool,
    /// Column names in index order.
    pub columns: Vec<String>,
}

impl TableInfo {
    /// The primary key, when the table has one.
    pub fn primary_key(&self) -> Option<&IndexInfo> {
        self.indexes.iter().find(|index| index.name == "PRIMARY")
    }
}

impl ColumnInfo {
    /// An integer type (the kind AUTO_INCREMENT takes).
    pub fn is_integer(&self) -> bool {
        column_type::is_integer(&self.data_type)
    }

    /// A number type, whose defaults are written bare.
    pub fn is_numeric(&self) -> bool {
        column_type::is_numeric(&self.data_type)
    }

    /// `AUTO_INCREMENT`.
    pub fn is_auto_increment(&self) -> bool {
        self.extra.contains("auto_increment")
    }

    /// The default is one the server computes (`current_timestamp()`, an expression), not
    /// a literal.
    pub fn has_expression_default(&self) -> bool {
        self.default
            .as_deref()
            .is_some_and(|default| column_type::is_expression_default(default, &self.extra))
    }
}

/// Engine, collation, the collation's charset and the create options of a table.
type TableHead = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Base tables of the connection's current database, by name.
pub async fn table_names(conn: &mut Conn) -> Result<Vec<String>, mysql_async::Error> {
    conn.query(catalog::BASE_TABLES).await
}

/// Reads `table` of the connection's current database; `None` when it does not exist.
pub async fn read_table(
    conn: &mut Conn,
    table: &str,
) -> Result<Option<TableInfo>, mysql_async::Error> {
    let head: Option<TableHead> = conn.exec_first(catalog::TABLE_OPTIONS, (table,)).await?;
    let Some((engine, collation, charset, options)) = head else {
        return Ok(None);
    };
    let columns = read_columns(conn, table).await?;
    let indexes = read_keys(conn, table).await?;
    Ok(Some(TableInfo {
        name: table.to_owned(),
        engine: engine.unwrap_or_else(|| "InnoDB".to_owned()),
        charset,
        collation,
        columns,
        indexes,
        partitioned: options.is_some_and(|options| options.contains("partitioned")),
    }))
}

/// The columns of `table` in the connection's current database, in order (none when the
/// table does not exist).
pub async fn read_columns(
    conn: &mut Conn,
    table: &str,
) -> Result<Vec<ColumnInfo>, mysql_async::Error> {
    let rows: Vec<Row> = conn.exec(catalog::COLUMNS, (table,)).await?;
    Ok(rows.into_iter().map(column_info).collect())
}

/// The keys of `table` in the connection's current database (the primary key named
/// `PRIMARY`), each with its columns in index order.
pub async fn read_keys(conn: &mut Conn, table: &str) -> Result<Vec<IndexInfo>, mysql_async::Error> {
    let stats: Vec<(String, String, i64)> = conn.exec(catalog::INDEX_COLUMNS, (table,)).await?;
    let mut indexes: Vec<IndexInfo> = Vec::new();
    for (name, column, non_unique) in stats {
        match indexes.last_mut().filter(|index| index.name == name) {
            Some(index) => index.columns.push(column),
            None => indexes.push(IndexInfo {
                name,
                unique: non_unique == 0,
                columns: vec![column],
            }),
        }
    }
    Ok(indexes)
}

/// One row of [`catalog::COLUMNS`], by position in that statement's select list.
fn column_info(row: Row) -> ColumnInfo {
    let text = |i: usize| -> Option<String> { row.get_opt::<Option<String>, _>(i)?.ok()? };
    let lower = |i: usize| text(i).unwrap_or_default().to_ascii_lowercase();
    ColumnInfo {
        name: text(0).unwrap_or_default(),
        data_type: lower(1),
        column_type: text(2).unwrap_or_default(),
        nullable: text(3).as_deref() == Some("YES"),
        max_len: row
            .get_opt::<Option<u64>, _>(4)
            .and_then(Result::ok)
            .flatten(),
        charset: text(5),
        collation: text(6),
        default: text(7).filter(|default| !default.eq_ignore_ascii_case("null")),
        extra: lower(8),
    }
}
