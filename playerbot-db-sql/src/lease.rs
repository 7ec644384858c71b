//! A lock that holds across the nodes of a Galera cluster, where `GET_LOCK` is local to the
//! node that granted it (measured: two migrators on two nodes both got it and both ran).
//!
//! A lease is a row: taking it is one autocommit UPDATE that only succeeds when the row is
//! free, expired or already ours. Two nodes taking it at once both update their own copy,
//! and certification lets one commit and refuses the other (which the node runs again, and
//! then sees the row taken): so at most one holder, on one node or many. It expires unless
//! its holder renews it, so a holder that died stops blocking the others after the lease's
//! length.

/// The lease table, in the database the lease is for.
pub const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS `playerbot_db_lease` (\
    `name` VARCHAR(191) NOT NULL, `holder` VARCHAR(64) NOT NULL, \
    `expires_ms` BIGINT NOT NULL, PRIMARY KEY (`name`)) \
    ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// Makes the lease's row, free, if it is not there. Params: name.
pub const ENSURE_ROW: &str =
    "INSERT IGNORE INTO `playerbot_db_lease` (`name`, `holder`, `expires_ms`) VALUES (?, '', 0)";

/// The server's clock in milliseconds (every node's own; nodes keep their clocks in step).
const NOW_MS: &str = "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)";

/// Takes the lease when it is free, expired or already the holder's: one row changed means
/// taken. Params: holder, length in ms, name, holder.
pub fn take() -> String {
    format!(
        "UPDATE `playerbot_db_lease` SET `holder` = ?, `expires_ms` = {NOW_MS} + ? \
         WHERE `name` = ? AND (`expires_ms` < {NOW_MS} OR `holder` = ?)"
    )
}

/// Extends a lease its holder still has. Params: length in ms, name, holder.
pub fn renew() -> String {
    format!(
        "UPDATE `playerbot_db_lease` SET `expires_ms` = {NOW_MS} + ? \
         WHERE `name` = ? AND `holder` = ?"
    )
}

/// Lets go of the lease if the holder still has it. Params: name, holder.
pub const RELEASE: &str = "UPDATE `playerbot_db_lease` SET `holder` = '', `expires_ms` = 0 \
    WHERE `name` = ? AND `holder` = ?";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        insta::assert_snapshot!(
            "lease",
            [CREATE_TABLE, ENSURE_ROW, &take(), &renew(), RELEASE,].join(";\n")
        );
    }
}
