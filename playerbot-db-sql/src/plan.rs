//! Asking the server how it would run a statement.

use crate::Dialect;

/// The plan of `statement` (one row per table read: `table`, `type`, `key`, `rows`, `Extra`,
/// and `partitions`, the partitions it reads).
pub fn explain(dialect: Dialect, statement: &str) -> String {
    match dialect {
        // MariaDB 10.11 lists partitions only when asked; MySQL 8 always does.
        Dialect::MariaDb => format!("EXPLAIN PARTITIONS {statement}"),
        Dialect::MySql => format!("EXPLAIN {statement}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        let statement = "SELECT 1 FROM `bot_state` WHERE `bot_id` = ?";
        let text = Dialect::ALL
            .map(|dialect| explain(dialect, statement))
            .join(";\n");
        insta::assert_snapshot!("plan", text);
    }
}
