//! The shard map every process of a cluster follows, kept on the first shard's primary: the
//! routes (bot-id ranges to shards), a control row (the routes' version and the range a move
//! holds), and the processes that follow them with what each has seen.
//!
//! Every statement here is the same on MySQL and MariaDB.

/// Where each bot-id range is routed: ranges in order, without gaps or overlaps.
pub const CREATE_ROUTES: &str = "CREATE TABLE IF NOT EXISTS `playerbot_db_shard_routes` (
  `first_id` BIGINT UNSIGNED NOT NULL,
  `end_id` BIGINT UNSIGNED NOT NULL,
  `shard` INT UNSIGNED NOT NULL,
  PRIMARY KEY (`first_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// One row: the routes' version (raised by every switch) and the range a move holds, under
/// a number (`hold_epoch`) raised by every hold and the mover's own token (`hold_token`),
/// by which only that mover lets go of it.
pub const CREATE_CONTROL: &str = "CREATE TABLE IF NOT EXISTS `playerbot_db_shard_control` (
  `id` TINYINT UNSIGNED NOT NULL,
  `version` BIGINT UNSIGNED NOT NULL,
  `hold_first` BIGINT UNSIGNED NULL,
  `hold_end` BIGINT UNSIGNED NULL,
  `hold_epoch` BIGINT UNSIGNED NOT NULL,
  `hold_token` BIGINT UNSIGNED NULL,
  `hold_member` BIGINT UNSIGNED NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// The processes following the routes: when each was last heard from, and the hold and the
/// routes' version it has taken in.
pub const CREATE_MEMBERS: &str = "CREATE TABLE IF NOT EXISTS `playerbot_db_cluster_members` (
  `member_id` BIGINT UNSIGNED NOT NULL,
  `name` VARCHAR(255) NOT NULL,
  `seen_at` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  `held_epoch` BIGINT UNSIGNED NOT NULL,
  `routes_version` BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (`member_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// Creates the control row if there is none.
pub const INIT_CONTROL: &str = "INSERT IGNORE INTO `playerbot_db_shard_control` \
     (`id`, `version`, `hold_first`, `hold_end`, `hold_epoch`) VALUES (1, 0, NULL, NULL, 0)";

/// `(version, hold_first, hold_end, hold_epoch, hold_token)`.
pub const READ_CONTROL: &str = "SELECT `version`, `hold_first`, `hold_end`, `hold_epoch`, \
     `hold_token` FROM `playerbot_db_shard_control` WHERE `id` = 1";

/// The same, locking the row until the transaction ends: switches and seeds go one at a time.
pub const LOCK_CONTROL: &str = "SELECT `version`, `hold_first`, `hold_end`, `hold_epoch`, \
     `hold_token` FROM `playerbot_db_shard_control` WHERE `id` = 1 FOR UPDATE";

/// `(first_id, end_id, shard)` of every route, in id order.
pub const READ_ROUTES: &str = "SELECT `first_id`, `end_id`, `shard` \
     FROM `playerbot_db_shard_routes` ORDER BY `first_id`";

/// Deletes every route (inside the transaction that writes the new ones).
pub const CLEAR_ROUTES: &str = "DELETE FROM `playerbot_db_shard_routes`";

/// Adds a route. Params: first id, end id (exclusive), shard.
pub const INSERT_ROUTE: &str =
    "INSERT INTO `playerbot_db_shard_routes` (`first_id`, `end_id`, `shard`) VALUES (?, ?, ?)";

/// Raises the version and lets go of the hold of the move with token `?`: the switch's last
/// statement. Affects no row when that move no longer holds (its hold was let go of because
/// its mover was taken for dead): the switch is then rolled back.
pub const NEXT_VERSION: &str = "UPDATE `playerbot_db_shard_control` \
     SET `version` = `version` + 1, `hold_first` = NULL, `hold_end` = NULL, \
     `hold_token` = NULL, `hold_member` = NULL WHERE `id` = 1 AND `hold_token` = ?";

/// Holds a range when no other is held (or takes over a hold of the same range that a
/// stopped move left); affects no row when another range is held. Params: first id, end id
/// (exclusive), the mover's token, its process (member id), first id and end id again.
pub const HOLD: &str = "UPDATE `playerbot_db_shard_control` \
     SET `hold_first` = ?, `hold_end` = ?, `hold_epoch` = `hold_epoch` + 1, `hold_token` = ?, \
     `hold_member` = ? \
     WHERE `id` = 1 AND (`hold_end` IS NULL OR (`hold_first` = ? AND `hold_end` = ?))";

/// Lets go of the hold taken with token `?` (and of no other).
pub const RELEASE: &str = "UPDATE `playerbot_db_shard_control` \
     SET `hold_first` = NULL, `hold_end` = NULL, `hold_token` = NULL, `hold_member` = NULL \
     WHERE `id` = 1 AND `hold_token` = ?";

/// Lets go of a hold of the range `[?, ?)` (a rollback's, after its mover stopped).
pub const RELEASE_RANGE: &str = "UPDATE `playerbot_db_shard_control` \
     SET `hold_first` = NULL, `hold_end` = NULL, `hold_token` = NULL, `hold_member` = NULL \
     WHERE `id` = 1 AND `hold_first` = ? AND `hold_end` = ?";

/// `(member_id, name, microseconds since last heard from)` of the process holding the range
/// `[?, ?)`, if it still follows the map.
pub const READ_HOLDER: &str = "SELECT m.`member_id`, m.`name`, \
     TIMESTAMPDIFF(MICROSECOND, m.`seen_at`, CURRENT_TIMESTAMP(6)) \
     FROM `playerbot_db_shard_control` c \
     JOIN `playerbot_db_cluster_members` m ON m.`member_id` = c.`hold_member` \
     WHERE c.`id` = 1 AND c.`hold_first` = ? AND c.`hold_end` = ?";

/// A process says it is alive and what it has taken in. Params: member id, name, held
/// epoch, routes version, held epoch, routes version.
pub const HEARTBEAT: &str = "INSERT INTO `playerbot_db_cluster_members` \
     (`member_id`, `name`, `seen_at`, `held_epoch`, `routes_version`) \
     VALUES (?, ?, CURRENT_TIMESTAMP(6), ?, ?) \
     ON DUPLICATE KEY UPDATE `seen_at` = CURRENT_TIMESTAMP(6), `held_epoch` = ?, \
     `routes_version` = ?";

/// `(member_id, name, microseconds since last heard from, held_epoch, routes_version)` of
/// every process, by the server's clock.
pub const READ_MEMBERS: &str = "SELECT `member_id`, `name`, \
     TIMESTAMPDIFF(MICROSECOND, `seen_at`, CURRENT_TIMESTAMP(6)), `held_epoch`, \
     `routes_version` FROM `playerbot_db_cluster_members` ORDER BY `member_id`";

/// A process leaves. Params: member id.
pub const LEAVE: &str = "DELETE FROM `playerbot_db_cluster_members` WHERE `member_id` = ?";

/// Takes a process's own named lock (no wait), held on its following connection for as long
/// as it follows the map: the server frees it the moment the process dies or its connection
/// drops, which is how the others tell a dead process from a stalled one. Param: member id.
pub const TAKE_MEMBER_LOCK: &str = "SELECT GET_LOCK(CONCAT('playerbot_db_member.', ?), 0)";

/// Lets go of it. Param: member id.
pub const RELEASE_MEMBER_LOCK: &str = "SELECT RELEASE_LOCK(CONCAT('playerbot_db_member.', ?))";

/// Whether a process's lock is free (1) or held (0). Param: member id.
pub const MEMBER_LOCK_FREE: &str = "SELECT IS_FREE_LOCK(CONCAT('playerbot_db_member.', ?))";

/// `(hold_member, microseconds since that process was last heard from)` of the process
/// whose move holds a range (`NULL` silence when it is no longer listed).
pub const READ_HOLD_MEMBER: &str = "SELECT c.`hold_member`, \
     TIMESTAMPDIFF(MICROSECOND, m.`seen_at`, CURRENT_TIMESTAMP(6)) \
     FROM `playerbot_db_shard_control` c \
     LEFT JOIN `playerbot_db_cluster_members` m ON m.`member_id` = c.`hold_member` \
     WHERE c.`id` = 1 AND c.`hold_member` IS NOT NULL";

/// Forgets processes not heard from for `?` seconds.
pub const FORGET_SILENT: &str = "DELETE FROM `playerbot_db_cluster_members` \
     WHERE `seen_at` < CURRENT_TIMESTAMP(6) - INTERVAL ? SECOND";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        let text = [
            CREATE_ROUTES,
            CREATE_CONTROL,
            CREATE_MEMBERS,
            INIT_CONTROL,
            READ_CONTROL,
            LOCK_CONTROL,
            READ_ROUTES,
            CLEAR_ROUTES,
            INSERT_ROUTE,
            NEXT_VERSION,
            HOLD,
            RELEASE,
            RELEASE_RANGE,
            READ_HOLDER,
            HEARTBEAT,
            READ_MEMBERS,
            LEAVE,
            TAKE_MEMBER_LOCK,
            RELEASE_MEMBER_LOCK,
            MEMBER_LOCK_FREE,
            READ_HOLD_MEMBER,
            FORGET_SILENT,
        ]
        .join(";\n");
        insta::assert_snapshot!("routing", text);
    }
}
