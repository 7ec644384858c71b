//! The history table and the migration lock.

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::Conn;

use playerbot_db_sql::history;

use super::Migration;

/// The history table's name.
pub(super) const TABLE: &str = history::TABLE;
use crate::Error;

/// Takes the migration lock of `database` (the connection's own), waiting up to `timeout`.
pub(super) async fn lock(conn: &mut Conn, database: &str, timeout: Duration) -> Result<(), Error> {
    let got: Option<Option<i64>> = conn
        .exec_first(history::LOCK, (timeout.as_secs_f64(),))
        .await?;
    match got.flatten() {
        Some(1) => Ok(()),
        _ => Err(Error::LockTimeout {
            lock: format!("{}{database}", history::LOCK_PREFIX),
            waited: timeout,
        }),
    }
}

pub(super) async fn unlock(conn: &mut Conn) -> Result<(), Error> {
    let _: Option<Option<i64>> = conn.query_first(history::UNLOCK).await?;
    Ok(())
}

pub(super) async fn create_table(conn: &mut Conn) -> Result<(), Error> {
    conn.query_drop(history::CREATE_TABLE).await?;
    Ok(())
}

/// `(name, checksum)` of every applied migration, in name order.
pub(super) async fn applied(conn: &mut Conn) -> Result<Vec<(String, String)>, Error> {
    Ok(conn.query(history::APPLIED).await?)
}

pub(super) async fn record(
    conn: &mut Conn,
    migration: &Migration,
    took: Duration,
) -> Result<(), Error> {
    let millis = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
    conn.exec_drop(
        history::RECORD,
        (&migration.name, migration.checksum(), millis),
    )
    .await?;
    Ok(())
}
