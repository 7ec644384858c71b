//! The migration history table and the migration lock.

/// The history table's name.
pub const TABLE: &str = "playerbot_db_migrations";

/// Creates the history table when missing.
pub const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS `playerbot_db_migrations` (
  `name` VARCHAR(255) NOT NULL,
  `checksum` CHAR(16) NOT NULL,
  `applied_at` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  `duration_ms` BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// `(name, checksum)` of every applied migration, in name order.
pub const APPLIED: &str =
    "SELECT `name`, `checksum` FROM `playerbot_db_migrations` ORDER BY `name`";

/// Records one applied migration. Params: name, checksum, duration in milliseconds.
pub const RECORD: &str =
    "INSERT INTO `playerbot_db_migrations` (`name`, `checksum`, `duration_ms`) \
     VALUES (?, ?, ?)";

/// The migration lock's name before the database's: one lock per database.
pub const LOCK_PREFIX: &str = "playerbot_db_migrate.";

/// Takes the migration lock of the current database (migrating one database never waits for
/// another). Param: the wait in seconds.
pub const LOCK: &str = "SELECT GET_LOCK(CONCAT('playerbot_db_migrate.', DATABASE()), ?)";

/// Releases the migration lock.
pub const UNLOCK: &str = "SELECT RELEASE_LOCK(CONCAT('playerbot_db_migrate.', DATABASE()))";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        assert!(CREATE_TABLE.contains(&format!("`{TABLE}`")));
        insta::assert_snapshot!(
            "history",
            [CREATE_TABLE, APPLIED, RECORD, LOCK, UNLOCK].join(";\n")
        );
    }
}
