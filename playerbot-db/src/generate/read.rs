//! An existing table as information_schema describes it.

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};

/// One table, as much of it as an entity can describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    pub name: String,
    pub engine: String,
    pub charset: Option<String>,
    pub collation: Option<String>,
    pub columns: Vec<ColumnInfo>,
    /// Keys other than the primary key, and the primary key (named `PRIMARY`).
    pub indexes: Vec<IndexInfo>,
    /// The table is partitioned (the entity cannot say how; the generator says so).
    pub partitioned: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    /// `DATA_TYPE`, lower case: `int`, `varchar`, `enum`.
    pub data_type: String,
    /// `COLUMN_TYPE` as reported: `int(10) unsigned`, `enum('RELEASED','CUSTOM')` (the
    /// servers write the type in lower case and the values as declared).
    pub column_type: String,
    pub nullable: bool,
    /// `CHARACTER_MAXIMUM_LENGTH` of string columns.
    pub max_len: Option<u64>,
    pub charset: Option<String>,
    pub collation: Option<String>,
    /// `COLUMN_DEFAULT` as reported (`NULL` counts as none).
    pub default: Option<String>,
    /// `EXTRA`, lower case: `auto_increment`, `on update current_timestamp()`.
    pub extra: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexInfo {
    pub name: String,
    pub unique: bool,
    /// Column names in index order.
    pub columns: Vec<String>,
}

impl TableInfo {
    pub fn primary_key(&self) -> Option<&IndexInfo> {
        self.indexes.iter().find(|index| index.name == "PRIMARY")
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
    conn.query(
        "SELECT TABLE_NAME FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    )
    .await
}

/// Reads `table` of the connection's current database; `None` when it does not exist.
pub async fn read_table(
    conn: &mut Conn,
    table: &str,
) -> Result<Option<TableInfo>, mysql_async::Error> {
    let head: Option<TableHead> = conn
        .exec_first(
            "SELECT t.ENGINE, t.TABLE_COLLATION, c.CHARACTER_SET_NAME, t.CREATE_OPTIONS \
             FROM information_schema.TABLES t \
             LEFT JOIN information_schema.COLLATIONS c ON c.COLLATION_NAME = t.TABLE_COLLATION \
             WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ?",
            (table,),
        )
        .await?;
    let Some((engine, collation, charset, options)) = head else {
        return Ok(None);
    };
    let rows: Vec<Row> = conn
        .exec(
            "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH, \
             CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_DEFAULT, EXTRA \
             FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (table,),
        )
        .await?;
    let columns = rows.into_iter().map(column_info).collect();
    let stats: Vec<(String, i64, String)> = conn
        .exec(
            "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            (table,),
        )
        .await?;
    let mut indexes: Vec<IndexInfo> = Vec::new();
    for (name, non_unique, column) in stats {
        match indexes.last_mut().filter(|index| index.name == name) {
            Some(index) => index.columns.push(column),
            None => indexes.push(IndexInfo {
                name,
                unique: non_unique == 0,
                columns: vec![column],
            }),
        }
    }
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
