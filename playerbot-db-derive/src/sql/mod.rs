//! Pure SQL text builders: a [`Table`] in, statement strings out. No tokens, no `syn`.

mod ddl;
mod dml;
mod lookup;
mod quote;

pub(crate) use lookup::{LookupSql, ScanSql};

use crate::model::Table;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// MySQL ≥ 8.0.19: upserts reference the incoming row through a row alias.
    MySql,
    /// MariaDB: upserts reference the incoming row with `VALUES(col)`.
    MariaDb,
}

/// Every statement of one entity in one dialect.
pub(crate) struct Statements {
    pub(crate) select_by_key: String,
    pub(crate) select_head: String,
    pub(crate) insert: String,
    pub(crate) insert_head: String,
    pub(crate) row_placeholders: String,
    pub(crate) upsert: String,
    pub(crate) upsert_tail: String,
    pub(crate) update_prefix: String,
    pub(crate) assignments: Vec<String>,
    pub(crate) ignore_tail: String,
    pub(crate) delete_by_key: String,
    pub(crate) create_table: String,
    pub(crate) lookups: Vec<LookupSql>,
    pub(crate) count_all: String,
    pub(crate) scan: ScanSql,
}

pub(crate) fn statements(table: &Table, dialect: Dialect) -> Statements {
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
