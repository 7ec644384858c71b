//! RANGE partition maintenance and inspection.

use crate::quote::ident;
#[cfg(test)]
use crate::Dialect;
use crate::Name;

/// `(PARTITION_NAME, PARTITION_DESCRIPTION)` of each partition of a table (one `?`: the
/// table) in the current database, in order. An unpartitioned table has one row with a NULL
/// name.
pub const LIST: &str =
    "SELECT PARTITION_NAME, PARTITION_DESCRIPTION FROM information_schema.PARTITIONS \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY PARTITION_ORDINAL_POSITION";

/// Rows in one partition.
pub fn count_rows(table: &str, partition: &Name) -> String {
    format!(
        "SELECT COUNT(*) FROM {} PARTITION ({})",
        ident(table),
        partition.quoted()
    )
}

/// The highest value of `column` in the table.
pub fn max_of(table: &str, column: &str) -> String {
    format!("SELECT MAX({}) FROM {}", ident(column), ident(table))
}

/// Splits the catch-all `pmax` into `added` partitions (name, exclusive upper bound) followed
/// by a new `pmax`.
pub fn reorganize_pmax(table: &str, added: &[(Name, u64)]) -> String {
    let parts: Vec<String> = added
        .iter()
        .map(|(name, bound)| format!("PARTITION {} VALUES LESS THAN ({bound})", name.quoted()))
        .chain(std::iter::once(
            "PARTITION `pmax` VALUES LESS THAN MAXVALUE".to_owned(),
        ))
        .collect();
    format!(
        "ALTER TABLE {} REORGANIZE PARTITION `pmax` INTO ({})",
        ident(table),
        parts.join(", ")
    )
}

/// What to do to whole partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Delete every row, keep the partition.
    Truncate,
    /// Delete the partition and its rows.
    Drop,
}

/// Truncates or drops `partitions` of `table`.
pub fn alter(table: &str, action: Action, partitions: &[Name]) -> String {
    let action = match action {
        Action::Truncate => "TRUNCATE",
        Action::Drop => "DROP",
    };
    let list = partitions
        .iter()
        .map(Name::quoted)
        .collect::<Vec<_>>()
        .join(", ");
    format!("ALTER TABLE {} {action} PARTITION {list}", ident(table))
}

/// Takes a table's maintenance lock, named after the database and table so maintenance of
/// one table never waits for another. Params: the lock prefix, the table, the wait in
/// seconds.
pub const LOCK: &str = "SELECT GET_LOCK(CONCAT(?, '.', DATABASE(), '.', ?), ?)";

/// Releases the lock [`LOCK`] took. Params: the lock prefix, the table.
pub const UNLOCK: &str = "SELECT RELEASE_LOCK(CONCAT(?, '.', DATABASE(), '.', ?))";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        let name = |n: &str| Name::new("partition", n).unwrap();
        let added = [(name("p3"), 40_000), (name("p4"), 50_000)];
        for dialect in Dialect::ALL {
            let text = [
                LIST.to_owned(),
                count_rows("bot_state", &name("we`ird")),
                max_of("bot_state", "bot_id"),
                reorganize_pmax("bot_state", &added),
                alter("bot_state", Action::Truncate, &[name("p0"), name("p1")]),
                alter("bot_state", Action::Drop, &[name("p0")]),
                LOCK.to_owned(),
                UNLOCK.to_owned(),
            ]
            .join(";\n");
            insta::assert_snapshot!(format!("partition_{dialect:?}"), text);
        }
    }
}
