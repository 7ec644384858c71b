//! A snapshot of what an operator watches on the server: sizes, InnoDB and connection
//! counters, the most expensive statements and replication.

use mysql_async::prelude::Queryable;
use mysql_async::Row;
use playerbot_db_sql::{admin, monitor};

use crate::server::Server;
use crate::Error;

/// One table of the current database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSize {
    /// The table name.
    pub table: String,
    /// Rows, as InnoDB estimates them (exact for MyISAM).
    pub rows: u64,
    /// Bytes of data.
    pub data_bytes: u64,
    /// Bytes of indexes.
    pub index_bytes: u64,
}

/// One partition of a table of the current database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionSize {
    /// The table name.
    pub table: String,
    /// The partition name.
    pub partition: String,
    /// Rows, estimated.
    pub rows: u64,
    /// Bytes of data.
    pub data_bytes: u64,
    /// Bytes of indexes.
    pub index_bytes: u64,
}

/// One statement shape from performance_schema's digest summary.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementCost {
    /// The normalized statement text.
    pub digest: String,
    /// Times it ran.
    pub calls: u64,
    /// Total seconds spent in it.
    pub total_seconds: f64,
    /// Mean seconds per call.
    pub mean_seconds: f64,
    /// The longest call, in seconds.
    pub max_seconds: f64,
}

/// This server's state as a replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaStatus {
    /// The thread that reads the primary's binary log runs.
    pub io_running: bool,
    /// The thread that applies it runs.
    pub sql_running: bool,
    /// How far behind the primary it is; `None` when the server cannot say (stopped).
    pub seconds_behind: Option<u64>,
    /// The last error either thread reported.
    pub last_error: String,
}

/// What [`Db::server_stats`](crate::Db::server_stats) found.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerStats {
    /// Base tables of the database, by name.
    pub tables: Vec<TableSize>,
    /// Partitions of its partitioned tables, in order.
    pub partitions: Vec<PartitionSize>,
    /// Buffer pool reads answered from memory, since the server started (`None` before
    /// any read).
    pub buffer_pool_hit_rate: Option<f64>,
    /// Row lock waits since the server started.
    pub row_lock_waits: u64,
    /// Milliseconds spent waiting for row locks since the server started.
    pub row_lock_time_ms: u64,
    /// Deadlocks since the server started, when the server counts them.
    pub deadlocks: Option<u64>,
    /// Client connections open.
    pub threads_connected: u64,
    /// Of those, the ones running a statement.
    pub threads_running: u64,
    /// Statements slower than `long_query_time` since the server started.
    pub slow_queries: u64,
    /// Seconds since the server started.
    pub uptime_seconds: u64,
    /// The ten statement shapes of this database with the most total time; `None` when
    /// performance_schema is off (MariaDB's default).
    pub top_statements: Option<Vec<StatementCost>>,
    /// This server's replication, when it is a replica.
    pub replica: Option<ReplicaStatus>,
}

/// Rows, data bytes and index bytes as information_schema reports them (NULL for views).
type Sizes = (Option<u64>, Option<u64>, Option<u64>);

impl Server {
    /// Reads the monitoring snapshot of the server and of the database this handle uses.
    pub(crate) async fn server_stats(&self) -> Result<ServerStats, Error> {
        let mut guard = self.conn().await?;
        let dialect = guard.dialect();
        let conn = &mut guard.routine().conn;
        let tables: Vec<(String, Sizes)> = conn
            .query_map(monitor::TABLE_SIZES, |(table, rows, data, index)| {
                (table, (rows, data, index))
            })
            .await?;
        let partitions: Vec<((String, String), Sizes)> = conn
            .query_map(
                monitor::PARTITION_SIZES,
                |(table, partition, rows, data, index)| ((table, partition), (rows, data, index)),
            )
            .await?;
        let status: Vec<(String, String)> = conn.query(monitor::GLOBAL_STATUS).await?;
        let counter = |name: &str| -> Option<u64> {
            status
                .iter()
                .find(|(variable, _)| variable.eq_ignore_ascii_case(name))
                .and_then(|(_, value)| value.parse().ok())
        };
        let deadlocks = match monitor::deadlocks(dialect) {
            None => counter("Innodb_deadlocks"),
            Some(sql) => conn.query_first::<Option<u64>, _>(sql).await?.flatten(),
        };
        let requests = counter("Innodb_buffer_pool_read_requests").unwrap_or(0);
        let from_disk = counter("Innodb_buffer_pool_reads").unwrap_or(0);
        let performance_schema: Option<Option<u64>> =
            conn.query_first(monitor::PERFORMANCE_SCHEMA_ON).await?;
        let top_statements = if performance_schema.flatten().unwrap_or(0) != 0 {
            let rows: Vec<(Option<String>, u64, f64, f64, f64)> =
                conn.query(monitor::TOP_STATEMENTS).await?;
            Some(
                rows.into_iter()
                    .map(|(digest, calls, total, mean, max)| StatementCost {
                        digest: digest.unwrap_or_default(),
                        calls,
                        total_seconds: total,
                        mean_seconds: mean,
                        max_seconds: max,
                    })
                    .collect(),
            )
        } else {
            None
        };
        let replica: Option<Row> = conn.query_first(admin::replication_status(dialect)).await?;
        guard.routine_done();
        Ok(ServerStats {
            tables: tables
                .into_iter()
                .map(|(table, (rows, data, index))| TableSize {
                    table,
                    rows: rows.unwrap_or(0),
                    data_bytes: data.unwrap_or(0),
                    index_bytes: index.unwrap_or(0),
                })
                .collect(),
            partitions: partitions
                .into_iter()
                .map(|((table, partition), (rows, data, index))| PartitionSize {
                    table,
                    partition,
                    rows: rows.unwrap_or(0),
                    data_bytes: data.unwrap_or(0),
                    index_bytes: index.unwrap_or(0),
                })
                .collect(),
            buffer_pool_hit_rate: (requests > 0)
                .then(|| 1.0 - from_disk.min(requests) as f64 / requests as f64),
            row_lock_waits: counter("Innodb_row_lock_waits").unwrap_or(0),
            row_lock_time_ms: counter("Innodb_row_lock_time").unwrap_or(0),
            deadlocks,
            threads_connected: counter("Threads_connected").unwrap_or(0),
            threads_running: counter("Threads_running").unwrap_or(0),
            slow_queries: counter("Slow_queries").unwrap_or(0),
            uptime_seconds: counter("Uptime").unwrap_or(0),
            top_statements,
            replica: replica.as_ref().map(replica_status),
        })
    }
}

/// Reads a replication status row by name: MariaDB says `Slave_…`/`Master`, MySQL
/// `Replica_…`/`Source`.
pub(crate) fn replica_status(row: &Row) -> ReplicaStatus {
    let text = |names: &[&str]| -> Option<String> {
        names.iter().find_map(|name| {
            let index = row
                .columns_ref()
                .iter()
                .position(|c| c.name_str() == *name)?;
            row.get_opt::<Option<String>, _>(index)?.ok()?
        })
    };
    let yes = |names: &[&str]| text(names).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    ReplicaStatus {
        io_running: yes(&["Slave_IO_Running", "Replica_IO_Running"]),
        sql_running: yes(&["Slave_SQL_Running", "Replica_SQL_Running"]),
        seconds_behind: text(&["Seconds_Behind_Master", "Seconds_Behind_Source"])
            .and_then(|v| v.parse().ok()),
        last_error: [
            text(&["Last_IO_Error"]).unwrap_or_default(),
            text(&["Last_SQL_Error"]).unwrap_or_default(),
        ]
        .iter()
        .filter(|e| !e.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("; "),
    }
}
