//! Reading from replicas: where the primary is, waiting for a replica to catch up, and the
//! replica's own state.

use crate::Dialect;

/// The primary's position: every transaction it has written to its binary log (MariaDB's
/// GTID position, MySQL's executed GTID set).
pub fn position(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::MariaDb => "SELECT @@GLOBAL.gtid_binlog_pos",
        Dialect::MySql => "SELECT @@GLOBAL.gtid_executed",
    }
}

/// Waits on a replica until it has applied a position read with [`position`], at most a
/// number of seconds. Params: the position, the seconds. Answers 0 when caught up, -1 on
/// timeout (NULL when replication is not configured).
pub fn wait_for(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::MariaDb => "SELECT MASTER_GTID_WAIT(?, ?)",
        Dialect::MySql => "SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        for dialect in Dialect::ALL {
            let text = [
                position(dialect),
                wait_for(dialect),
                crate::admin::replication_status(dialect),
            ]
            .join(";\n");
            insta::assert_snapshot!(format!("replication_{dialect:?}"), text);
        }
    }
}
