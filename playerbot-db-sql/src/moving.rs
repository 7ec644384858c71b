//! Moving a bot-id range from one shard to another: reading, writing, comparing and deleting
//! the range's rows of a table, and the journal that lets an interrupted move be resumed or
//! rolled back.

use crate::quote::{ident, ident_list};

/// The range's rows, every column: params first id, end id (exclusive).
pub fn select_range<'a>(
    table: &str,
    columns: impl IntoIterator<Item = &'a str>,
    id_column: &str,
) -> String {
    format!(
        "SELECT {} FROM {} WHERE {} >= ? AND {} < ?",
        ident_list(columns),
        ident(table),
        ident(id_column),
        ident(id_column)
    )
}

/// Deletes the range's rows: params first id, end id (exclusive).
pub fn delete_range(table: &str, id_column: &str) -> String {
    format!(
        "DELETE FROM {} WHERE {} >= ? AND {} < ?",
        ident(table),
        ident(id_column),
        ident(id_column)
    )
}

/// `(rows, checksum)` of the range: the same rows give the same pair on any server of the
/// same version. Each value is quoted (NULL as `NULL`), so two rows that differ only in
/// which column is NULL differ here too. Params: first id, end id (exclusive).
pub fn range_checksum<'a>(
    table: &str,
    columns: impl IntoIterator<Item = &'a str>,
    id_column: &str,
) -> String {
    let quoted: Vec<String> = columns
        .into_iter()
        .map(|c| format!("QUOTE({})", ident(c)))
        .collect();
    format!(
        "SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(CONCAT_WS(',', {}))), 0) FROM {} \
         WHERE {} >= ? AND {} < ?",
        quoted.join(", "),
        ident(table),
        ident(id_column),
        ident(id_column)
    )
}

/// The move journal, kept on the shard the range moves to.
pub const CREATE_JOURNAL: &str = "CREATE TABLE IF NOT EXISTS `playerbot_db_shard_moves` (
  `first_id` BIGINT UNSIGNED NOT NULL,
  `end_id` BIGINT UNSIGNED NOT NULL,
  `from_shard` INT UNSIGNED NOT NULL,
  `to_shard` INT UNSIGNED NOT NULL,
  `state` VARCHAR(16) NOT NULL,
  `updated_at` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (`first_id`, `end_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// Records where a move stands. Params: first id, end id, from shard, to shard, state.
pub fn record_state(dialect: crate::Dialect) -> &'static str {
    match dialect {
        crate::Dialect::MySql => RECORD_STATE_MYSQL,
        crate::Dialect::MariaDb => RECORD_STATE_MARIADB,
    }
}

const RECORD_STATE_MYSQL: &str = "INSERT INTO `playerbot_db_shard_moves` \
     (`first_id`, `end_id`, `from_shard`, `to_shard`, `state`) VALUES (?, ?, ?, ?, ?) \
     AS new ON DUPLICATE KEY UPDATE `from_shard` = new.`from_shard`, \
     `to_shard` = new.`to_shard`, `state` = new.`state`";

/// MariaDB has no row alias.
const RECORD_STATE_MARIADB: &str = "INSERT INTO `playerbot_db_shard_moves` \
     (`first_id`, `end_id`, `from_shard`, `to_shard`, `state`) VALUES (?, ?, ?, ?, ?) \
     ON DUPLICATE KEY UPDATE `from_shard` = VALUES(`from_shard`), \
     `to_shard` = VALUES(`to_shard`), `state` = VALUES(`state`)";

/// `(from_shard, to_shard, state)` of a move. Params: first id, end id.
pub const READ_STATE: &str =
    "SELECT `from_shard`, `to_shard`, `state` FROM `playerbot_db_shard_moves` \
     WHERE `first_id` = ? AND `end_id` = ?";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        let columns = ["bot_id", "event", "value"];
        let text = [
            select_range("bot_event", columns, "bot_id"),
            delete_range("bot_event", "bot_id"),
            range_checksum("bot_event", columns, "bot_id"),
            CREATE_JOURNAL.to_owned(),
            record_state(crate::Dialect::MySql).to_owned(),
            record_state(crate::Dialect::MariaDb).to_owned(),
            READ_STATE.to_owned(),
        ]
        .join(";\n");
        insta::assert_snapshot!("moving", text);
    }
}
