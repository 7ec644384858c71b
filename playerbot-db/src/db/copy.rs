//! A range's rows copied from one shard to another, compared by count and checksum, and
//! removed from a shard.

use std::ops::Range;

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row, Value};
use playerbot_db_sql::{moving, rows as many_rows, Dialect};

use super::own_conn::OwnConn;
use crate::server::Server;
use crate::{EntityMeta, Error};

/// Ids copied per read from the source.
const WINDOW: u64 = 1_000;
/// Rows per insert on the target (far below the placeholder and packet limits).
const ROWS_PER_INSERT: usize = 500;

/// Copies the range's rows of `meta`'s table, a window of ids at a time; the rows copied.
pub(super) async fn copy_table(
    source: &Server,
    target: &Server,
    meta: &'static EntityMeta,
    ids: &Range<u64>,
) -> Result<u64, Error> {
    let column = meta.partitioning.expect("partitioned").column;
    let names: Vec<&str> = meta.columns.iter().map(|c| c.name).collect();
    let select = moving::select_range(meta.table, names.iter().copied(), column);
    let mut copied = 0;
    let mut start = ids.start;
    while start < ids.end {
        let end = start.saturating_add(WINDOW).min(ids.end);
        let rows: Vec<Row> = {
            let mut conn = OwnConn::on(source).await?;
            let rows = conn.exec(select.as_str(), (start, end)).await?;
            conn.done();
            rows
        };
        let mut conn = OwnConn::on(target).await?;
        let dialect = conn.dialect();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let group: Vec<Row> = rows.by_ref().take(ROWS_PER_INSERT).collect();
            let sql = insert_rows(meta, dialect, &names, group.len());
            copied += group.len() as u64;
            // The rows' own values, moved, not copied.
            let params: Vec<Value> = group.into_iter().flat_map(Row::unwrap).collect();
            conn.exec_drop(sql, Params::Positional(params)).await?;
        }
        conn.done();
        start = end;
    }
    Ok(copied)
}

/// A multi-row insert of `rows` rows; an upsert where the entity has a key, so a retried
/// window never fails on rows it wrote before.
pub(super) fn insert_rows(
    meta: &EntityMeta,
    dialect: Dialect,
    names: &[&str],
    rows: usize,
) -> String {
    let head = many_rows::insert_head(meta.table, names.iter().copied());
    let placeholders = many_rows::row_placeholders(names.len());
    many_rows::repeat_rows(
        &head,
        &placeholders,
        rows,
        meta.statements(dialect).upsert_tail,
    )
}

pub(super) async fn checksum(
    db: &Server,
    meta: &'static EntityMeta,
    ids: &Range<u64>,
) -> Result<(u64, u64), Error> {
    let column = meta.partitioning.expect("partitioned").column;
    let sql = moving::range_checksum(meta.table, meta.columns.iter().map(|c| c.name), column);
    let mut conn = OwnConn::on(db).await?;
    let found: Option<(u64, u64)> = conn.exec_first(sql, (ids.start, ids.end)).await?;
    conn.done();
    Ok(found.unwrap_or((0, 0)))
}

/// Deletes the range's rows of every table in `metas` on `db`.
pub(super) async fn remove_range(
    db: &Server,
    metas: &[&'static EntityMeta],
    ids: &Range<u64>,
) -> Result<(), Error> {
    let mut conn = OwnConn::on(db).await?;
    for meta in metas {
        let column = meta.partitioning.expect("partitioned").column;
        conn.exec_drop(
            moving::delete_range(meta.table, column),
            (ids.start, ids.end),
        )
        .await?;
    }
    conn.done();
    Ok(())
}
