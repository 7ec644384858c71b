//! The constant description of an entity that the derive emits.

use std::time::Duration;

use super::Partitioning;
use crate::Dialect;

/// Everything the runtime knows about an entity: its table, columns, keys, partitioning,
/// cache policy and generated statements.
#[derive(Debug)]
pub struct EntityMeta {
    /// The Rust struct's name.
    pub entity: &'static str,
    /// The table name.
    pub table: &'static str,
    /// Stored columns in declaration order (skipped fields are absent).
    pub columns: &'static [ColumnMeta],
    /// Positions in `columns` of the primary key, in key order (the order of `E::Key`).
    pub key: &'static [usize],
    /// Keys over several columns, from `unique(…)`/`index(…)` on the struct.
    pub indexes: &'static [IndexMeta],
    /// RANGE partitioning, when the entity is partitioned.
    pub partitioning: Option<Partitioning>,
    /// The L1 cache policy from `cache(...)`, if any.
    pub cache: Option<CachePolicy>,
    /// The table's `engine`, `charset` and `collation` as declared; `None` means the
    /// project's default (InnoDB, utf8mb4, binary NO PAD collation).
    pub engine: Option<&'static str>,
    /// The table's declared default character set.
    pub charset: Option<&'static str>,
    /// The table's declared default collation.
    pub collation: Option<&'static str>,
    /// The generated statements, for both dialects.
    pub sql: EntitySql,
}

/// A key over several columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexMeta {
    /// Column names in index order.
    pub columns: &'static [&'static str],
    /// A UNIQUE key rather than a plain index.
    pub unique: bool,
}

impl EntityMeta {
    /// The statements written for `dialect`.
    pub fn statements(&self, dialect: Dialect) -> &Statements {
        match dialect {
            Dialect::MySql => &self.sql.mysql,
            Dialect::MariaDb => &self.sql.mariadb,
        }
    }

    /// The primary-key columns in key order.
    pub fn key_columns(&self) -> impl Iterator<Item = &ColumnMeta> {
        self.key.iter().map(|&i| &self.columns[i])
    }

    /// Whether a row can conflict with another row on a key other than the primary key.
    pub fn has_unique(&self) -> bool {
        self.columns.iter().any(|c| c.unique) || self.indexes.iter().any(|i| i.unique)
    }

    /// The position of the `auto_increment` key column, if the entity has one.
    pub fn auto_increment(&self) -> Option<usize> {
        self.columns.iter().position(|column| column.auto_increment)
    }

    /// An `append_only` entity: no primary key, rows are only inserted, read and deleted by
    /// column.
    pub fn is_append_only(&self) -> bool {
        self.key.is_empty()
    }

    /// Whether a row with these params (in column order) is new: its `auto_increment` key is
    /// 0, so the server gives it the next id; every row of an append-only entity is.
    pub fn is_new_row(&self, params: &[mysql_async::Value]) -> bool {
        self.is_append_only()
            || self.auto_increment().is_some_and(|i| {
                matches!(
                    params.get(i),
                    Some(mysql_async::Value::Int(0) | mysql_async::Value::UInt(0))
                )
            })
    }

    /// [`is_new_row`](Self::is_new_row) from the key's params (`E::key_params`): an
    /// `auto_increment` key is the only key column.
    pub fn is_new_key(&self, key_params: &[mysql_async::Value]) -> bool {
        self.is_append_only()
            || (self.auto_increment().is_some()
                && matches!(
                    key_params.first(),
                    Some(mysql_async::Value::Int(0) | mysql_async::Value::UInt(0))
                ))
    }

    /// The stored column with this SQL name.
    pub fn column(&self, name: &str) -> Option<&ColumnMeta> {
        self.columns.iter().find(|column| column.name == name)
    }
}

/// One stored column of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMeta {
    /// The SQL column name.
    pub name: &'static str,
    /// The Rust field it comes from.
    pub field: &'static str,
    /// The SQL type as written in CREATE TABLE.
    pub sql_type: &'static str,
    /// What the field holds on the Rust side.
    pub kind: ValueKind,
    /// NULL allowed.
    pub nullable: bool,
    /// Part of the primary key.
    pub key: bool,
    /// A UNIQUE key of its own.
    pub unique: bool,
    /// An index of its own.
    pub indexed: bool,
    /// The server numbers new rows: a row whose key is 0 is new and gets the next id.
    pub auto_increment: bool,
    /// A text column's own `charset` and `collation`, as declared.
    pub charset: Option<&'static str>,
    /// The column's own collation, as declared.
    pub collation: Option<&'static str>,
    /// The column's `DEFAULT` clause as declared.
    pub default: Option<&'static str>,
    /// A `server_default` column: NOT NULL, and a NULL param (the field's `None`) means
    /// "not set": an insert leaves it to the server's default, an update keeps it.
    pub unset_when_null: bool,
}

/// What a column holds on the Rust side; validation and schema checks work from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A Rust integer.
    Int {
        /// A signed type (`i32`) rather than unsigned (`u32`).
        signed: bool,
        /// The type's width in bits.
        bits: u8,
    },
    /// An `f32`.
    F32,
    /// An `f64`.
    F64,
    /// A `bool`.
    Bool,
    /// A `String`; `max_len` in characters (VARCHAR), `None` for TEXT.
    Text {
        /// The most characters it holds; `None` for TEXT.
        max_len: Option<u32>,
    },
    /// A `Vec<u8>`; `max_len` in bytes (VARBINARY), `None` for BLOB.
    Bytes {
        /// The most bytes it holds; `None` for BLOB.
        max_len: Option<u32>,
    },
    /// A `BotEnum` stored as its `#[repr]` integer.
    Enum {
        /// A signed `#[repr]`.
        signed: bool,
        /// The `#[repr]`'s width in bits.
        bits: u8,
    },
    /// A `BotEnum` stored by variant name (an SQL `ENUM` column).
    EnumName,
    /// A date and time (`chrono::NaiveDateTime`, `time::PrimitiveDateTime`).
    DateTime,
    /// A date (`chrono::NaiveDate`).
    Date,
    /// An integer of unix seconds on a DATETIME or TIMESTAMP column.
    UnixTime {
        /// A signed integer type.
        signed: bool,
        /// The integer type's width in bits.
        bits: u8,
    },
}

/// The entity's L1 cache settings from `#[bot(cache(...))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// The most values the cache holds.
    pub capacity: u64,
    /// How long a value stays; `None` keeps it until evicted or invalidated.
    pub ttl: Option<Duration>,
}

/// The statements of both dialects; the runtime picks one per server.
#[derive(Debug)]
pub struct EntitySql {
    /// For MySQL.
    pub mysql: Statements,
    /// For MariaDB.
    pub mariadb: Statements,
}

/// Every generated statement of one entity in one dialect. Placeholders are positional `?`
/// in column order (rows) or key-column order (by-key statements).
#[derive(Debug)]
pub struct Statements {
    /// `SELECT <all columns> FROM <table> WHERE <key> = ?…`.
    pub select_by_key: &'static str,
    /// `SELECT 1 … LIMIT 1` by key: whether the key has a row.
    pub exists: &'static str,
    /// `SELECT <all columns> FROM <table>`: add a WHERE clause for other lookups.
    pub select_head: &'static str,
    /// A one-row INSERT.
    pub insert: &'static str,
    /// `INSERT INTO <table> (<columns>) VALUES `: multi-row statements start with this…
    pub insert_head: &'static str,
    /// …repeat this group once per row, separated by commas…
    pub row_placeholders: &'static str,
    /// A one-row upsert: every non-key column updated on a duplicate key.
    pub upsert: &'static str,
    /// …and end upserts with this duplicate-key clause (every non-key column updated).
    pub upsert_tail: &'static str,
    /// The start of a duplicate-key clause, for one with a chosen set of `assignments`. For
    /// an entity with a `unique` column it begins with a guard that makes a conflict with
    /// another row's unique value an error (1048 on the first key column) instead of an
    /// update of that row.
    pub update_prefix: &'static str,
    /// One assignment per column, in column order: `` `c` = VALUES(`c`) `` (MariaDB) or
    /// `` `c` = new.`c` `` (MySQL) for non-key columns, and the no-op `` `k` = `k` `` for keys.
    pub assignments: &'static [&'static str],
    /// A duplicate-key clause that leaves existing rows unchanged (conflicts ignored).
    pub ignore_tail: &'static str,
    /// `DELETE FROM <table> WHERE <key> = ?…`.
    pub delete_by_key: &'static str,
    /// CREATE TABLE, with its keys, options and RANGE partitions.
    pub create_table: &'static str,
    /// Reads by a proper prefix of a composite key, then by each `index` or `unique`
    /// column, in that order (the generated `by_…` functions refer to them by position).
    pub lookups: &'static [LookupSql],
    /// `SELECT COUNT(*)` of the whole table.
    pub count_all: &'static str,
    /// A scan in key order, in batches.
    pub scan: ScanSql,
}

/// The statements of one lookup: rows whose `columns` equal the given values.
#[derive(Debug)]
pub struct LookupSql {
    /// The looked-up columns, in order (the order of the params).
    pub columns: &'static [&'static str],
    /// The rows, in key order.
    pub select: &'static str,
    /// Deletes the rows.
    pub delete: &'static str,
    /// Counts the rows.
    pub count: &'static str,
}

/// A scan in key order, `LIMIT ?` rows a batch, each batch after the last key seen. The
/// `_in_range` forms limit it to `[lower, upper)` of the partition key (one partition);
/// they are empty for an entity that is not partitioned.
#[derive(Debug)]
pub struct ScanSql {
    /// The first batch.
    pub first: &'static str,
    /// The batch after a key.
    pub next: &'static str,
    /// The first batch within a partition-key range.
    pub first_in_range: &'static str,
    /// The batch after a key, within a partition-key range.
    pub next_in_range: &'static str,
}
