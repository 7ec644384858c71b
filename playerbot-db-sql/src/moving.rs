//! Moving a bot-id range from one shard to another: reading, writing, comparing and deleting
//! the range's rows of a table, and the journal that lets an interrupted move be finished or
//! undone by the next one.

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

/// The move journal, kept with the shared map on the first shard: one row per move, under
/// the move's own token, so no move can finish or undo another's. A move is open while its
/// state is `copying` (nothing switched: its partial copy on the target is to be removed),
/// `switched` (the routes name the target: the source's rows are to be deleted) or
/// `abandoned` (its mover died before the switch: its copy is to be removed).
pub const CREATE_JOURNAL: &str = "CREATE TABLE IF NOT EXISTS `playerbot_db_range_moves` (
  `token` BIGINT UNSIGNED NOT NULL,
  `first_id` BIGINT UNSIGNED NOT NULL,
  `end_id` BIGINT UNSIGNED NOT NULL,
  `from_shard` INT UNSIGNED NOT NULL,
  `to_shard` INT UNSIGNED NOT NULL,
  `state` VARCHAR(16) NOT NULL,
  `mover` VARCHAR(255) NOT NULL,
  `started_at` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  `updated_at` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (`token`),
  KEY `by_state` (`state`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// Opens a move in state `copying`. Params: token, first id, end id, from shard, to shard,
/// the mover's name.
pub const START_MOVE: &str = "INSERT INTO `playerbot_db_range_moves` \
     (`token`, `first_id`, `end_id`, `from_shard`, `to_shard`, `state`, `mover`) \
     VALUES (?, ?, ?, ?, ?, 'copying', ?)";

/// `(token, first_id, end_id, from_shard, to_shard, state, mover)` of every open move, oldest
/// first.
pub const OPEN_MOVES: &str = "SELECT `token`, `first_id`, `end_id`, `from_shard`, `to_shard`, \
     `state`, `mover` FROM `playerbot_db_range_moves` \
     WHERE `state` IN ('copying', 'switched', 'abandoned') ORDER BY `started_at`, `token`";

/// How many finished moves took `[?, ?)` to shard `?`: a move run again once done has
/// nothing left to do.
pub const DONE_MOVES: &str = "SELECT COUNT(*) FROM `playerbot_db_range_moves` \
     WHERE `first_id` = ? AND `end_id` = ? AND `to_shard` = ? AND `state` = 'done'";

/// Moves a move from one state to the next, only from the state it is known to be in.
/// Params: new state, token, old state.
pub const SET_STATE: &str = "UPDATE `playerbot_db_range_moves` SET `state` = ? \
     WHERE `token` = ? AND `state` = ?";

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
            START_MOVE.to_owned(),
            OPEN_MOVES.to_owned(),
            DONE_MOVES.to_owned(),
            SET_STATE.to_owned(),
        ]
        .join(";\n");
        insta::assert_snapshot!("moving", text);
    }
}
