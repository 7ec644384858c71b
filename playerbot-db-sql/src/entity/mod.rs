//! Every statement of one entity, built from its [`Table`]: what the derive bakes into the
//! entity's metadata at compile time.

mod ddl;
mod dml;
mod lookup;
mod table;

pub use lookup::{LookupSql, ScanSql};
pub use table::{Column, Index, Partition, Table};

use crate::Dialect;

/// Every statement of one entity in one dialect.
#[derive(Debug, Clone)]
pub struct Statements {
    /// `SELECT <all columns> FROM <table> WHERE <key> = ?…`.
    pub select_by_key: String,
    /// `SELECT <all columns> FROM <table>`: other reads add their WHERE clause.
    pub select_head: String,
    /// A one-row INSERT.
    pub insert: String,
    /// `INSERT INTO <table> (<columns>) VALUES `: multi-row statements start with this…
    pub insert_head: String,
    /// …repeat this group once per row, separated by commas…
    pub row_placeholders: String,
    /// A one-row upsert: every non-key column updated on a duplicate key.
    pub upsert: String,
    /// …and end upserts with this duplicate-key clause.
    pub upsert_tail: String,
    /// The start of a duplicate-key clause, for a chosen set of `assignments`.
    pub update_prefix: String,
    /// One assignment per column, in column order (a no-op for key columns).
    pub assignments: Vec<String>,
    /// A duplicate-key clause that leaves existing rows unchanged.
    pub ignore_tail: String,
    /// `SELECT 1 … LIMIT 1` by key: whether the key has a row.
    pub exists: String,
    /// `DELETE FROM <table> WHERE <key> = ?…`.
    pub delete_by_key: String,
    /// CREATE TABLE, with its keys, options and RANGE partitions.
    pub create_table: String,
    /// Reads by a key prefix or an indexed column, in the order of `Table::lookups`.
    pub lookups: Vec<LookupSql>,
    /// `SELECT COUNT(*)` of the whole table.
    pub count_all: String,
    /// A scan in key order, in batches.
    pub scan: ScanSql,
}

/// Every statement of `table` in `dialect`.
pub fn statements(table: &Table, dialect: Dialect) -> Statements {
    let insert_head = dml::insert_head(table);
    let row_placeholders = dml::row_placeholders(table);
    let select_head = dml::select_head(table);
    let insert = format!("{insert_head}{row_placeholders}");
    let lookups = table
        .lookups()
        .iter()
        .map(|columns| lookup::lookup(table, &select_head, columns))
        .collect();
    if table.key_order.is_empty() {
        // Append-only: rows are only inserted, read and deleted by column. Statements that
        // address one row by key are empty, and a "save" is an insert.
        return Statements {
            select_by_key: String::new(),
            exists: String::new(),
            upsert: insert.clone(),
            insert,
            update_prefix: String::new(),
            assignments: Vec::new(),
            ignore_tail: String::new(),
            delete_by_key: String::new(),
            create_table: ddl::create_table(table, dialect),
            lookups,
            count_all: lookup::count_all(table),
            scan: ScanSql {
                first: String::new(),
                next: String::new(),
                first_in_range: String::new(),
                next_in_range: String::new(),
            },
            select_head,
            insert_head,
            row_placeholders,
            upsert_tail: String::new(),
        };
    }
    let upsert_tail = dml::upsert_tail(table, dialect);
    Statements {
        select_by_key: format!("{select_head} WHERE {}", dml::key_predicate(table)),
        exists: dml::exists(table),
        upsert: format!("{insert}{upsert_tail}"),
        insert,
        update_prefix: dml::update_prefix(table, dialect),
        assignments: dml::assignments(table, dialect),
        ignore_tail: dml::ignore_tail(table, dialect),
        delete_by_key: dml::delete_by_key(table),
        create_table: ddl::create_table(table, dialect),
        lookups,
        count_all: lookup::count_all(table),
        scan: lookup::scan(table, &select_head),
        select_head,
        insert_head,
        row_placeholders,
        upsert_tail,
    }
}
