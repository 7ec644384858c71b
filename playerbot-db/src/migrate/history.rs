//! The history table and the migration lock.

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::Conn;

use super::Migration;
use crate::Error;

const TABLE: &str = "playerbot_db_migrations";
/// Per database: migrating one database never waits for another.
const LOCK_NAME: &str = "CONCAT('playerbot_db_migrate.', DATABASE())";

pub(super) async fn lock(conn: &mut Conn, timeout: Duration) -> Result<(), Error> {
    let got: Option<Option<i64>> = conn
        .exec_first(
            format!("SELECT GET_LOCK({LOCK_NAME}, ?)"),
            (timeout.as_secs_f64(),),
        )
        .await?;
    match got.flatten() {
        Some(1) => Ok(()),
        _ => Err(Error::Migration {
            name: String::new(),
            message: format!("another process held the migration lock for {timeout:?}"),
        }),
    }
}

pub(super) async fn unlock(conn: &mut Conn) -> Result<(), Error> {
    let _: Option<Option<i64>> = conn
        .query_first(format!("SELECT RELEASE_LOCK({LOCK_NAME})"))
        .await?;
    Ok(())
}

pub(super) async fn create_table(conn: &mut Conn) -> Result<(), Error> {
    conn.query_drop(format!(
        "CREATE TABLE IF NOT EXISTS `{TABLE}` (
  `name` VARCHAR(255) NOT NULL,
  `checksum` CHAR(16) NOT NULL,
  `applied_at` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  `duration_ms` BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    ))
    .await?;
    Ok(())
}

/// `(name, checksum)` of every applied migration, in name order.
pub(super) async fn applied(conn: &mut Conn) -> Result<Vec<(String, String)>, Error> {
    Ok(conn
        .query(format!(
            "SELECT `name`, `checksum` FROM `{TABLE}` ORDER BY `name`"
        ))
        .await?)
}

pub(super) async fn record(
    conn: &mut Conn,
    migration: &Migration,
    took: Duration,
) -> Result<(), Error> {
    let millis = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
    conn.exec_drop(
        format!("INSERT INTO `{TABLE}` (`name`, `checksum`, `duration_ms`) VALUES (?, ?, ?)"),
        (&migration.name, migration.checksum(), millis),
    )
    .await?;
    Ok(())
}
