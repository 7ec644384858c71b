//! What an operator watches: table and partition sizes, InnoDB and connection counters, the
//! most expensive statements and replication, for the current database.

use crate::Dialect;

/// `(TABLE_NAME, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH)` of each base table (row counts are
/// InnoDB's estimates).
pub const TABLE_SIZES: &str =
    "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME";

/// `(TABLE_NAME, PARTITION_NAME, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH)` of each partition.
pub const PARTITION_SIZES: &str = "SELECT TABLE_NAME, PARTITION_NAME, TABLE_ROWS, DATA_LENGTH, \
     INDEX_LENGTH FROM information_schema.PARTITIONS \
     WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL \
     ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION";

/// The server-wide counters read by name: `(Variable_name, Value)` rows.
pub const GLOBAL_STATUS: &str = "SHOW GLOBAL STATUS WHERE Variable_name IN (\
     'Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads', \
     'Innodb_row_lock_waits', 'Innodb_row_lock_time', 'Innodb_deadlocks', \
     'Threads_connected', 'Threads_running', 'Slow_queries', 'Uptime')";

/// Deadlocks since start: MariaDB has a status counter (in [`GLOBAL_STATUS`]); MySQL keeps
/// it in InnoDB's metrics table.
pub fn deadlocks(dialect: Dialect) -> Option<&'static str> {
    match dialect {
        Dialect::MariaDb => None,
        Dialect::MySql => Some(
            "SELECT COUNT FROM information_schema.INNODB_METRICS WHERE NAME = 'lock_deadlocks'",
        ),
    }
}

/// Whether performance_schema is on (MariaDB leaves it off by default).
pub const PERFORMANCE_SCHEMA_ON: &str = "SELECT @@GLOBAL.performance_schema";

/// The ten statement shapes of the current database with the most total time:
/// `(DIGEST_TEXT, COUNT_STAR, total seconds, mean seconds, max seconds)`.
pub const TOP_STATEMENTS: &str = "SELECT DIGEST_TEXT, COUNT_STAR, SUM_TIMER_WAIT / 1e12, \
     AVG_TIMER_WAIT / 1e12, MAX_TIMER_WAIT / 1e12 \
     FROM performance_schema.events_statements_summary_by_digest \
     WHERE SCHEMA_NAME = DATABASE() ORDER BY SUM_TIMER_WAIT DESC LIMIT 10";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        for dialect in Dialect::ALL {
            let text = [
                TABLE_SIZES,
                PARTITION_SIZES,
                GLOBAL_STATUS,
                deadlocks(dialect).unwrap_or("-- (in GLOBAL_STATUS)"),
                PERFORMANCE_SCHEMA_ON,
                TOP_STATEMENTS,
                crate::admin::replication_status(dialect),
            ]
            .join(";\n");
            insta::assert_snapshot!(format!("monitor_{dialect:?}"), text);
        }
    }
}
