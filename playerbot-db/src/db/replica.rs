//! A read replica: its pool, whether it is in rotation, and the checks that decide it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::Row;
use playerbot_db_sql::{admin, replication};

use super::own_conn::OwnConn;
use crate::config::DbUrl;
use crate::server::Server;
use crate::Error;

/// A replica and what the last check found.
#[derive(Debug)]
pub(super) struct Replica {
    pub(super) db: Server,
    pub(super) url: DbUrl,
    /// In rotation: replicating, not too far behind, answering.
    healthy: AtomicBool,
    /// Seconds behind its primary at the last check; `u64::MAX` when unknown.
    lag_seconds: AtomicU64,
    last_problem: Mutex<String>,
}

/// One replica as the health checks see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaHealth {
    /// The shard it serves.
    pub shard: usize,
    /// Its URL, password hidden.
    pub url: String,
    /// In rotation for reads.
    pub healthy: bool,
    /// Seconds behind the primary at the last check (`None` when unknown).
    pub lag_seconds: Option<u64>,
    /// Why it is out of rotation (empty when it is in).
    pub problem: String,
}

impl Replica {
    pub(super) fn new(db: Server, url: DbUrl) -> Replica {
        Replica {
            db,
            url,
            // In rotation until a check or a failed read says otherwise.
            healthy: AtomicBool::new(true),
            lag_seconds: AtomicU64::new(u64::MAX),
            last_problem: Mutex::new(String::new()),
        }
    }

    pub(super) fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Acquire)
    }

    /// Takes the replica out of rotation until a check finds it well again.
    pub(super) fn fail(&self, problem: String) {
        if self.healthy.swap(false, Ordering::AcqRel) {
            tracing::warn!(replica = %self.url, %problem, "replica out of rotation");
        }
        *self.last_problem.lock().expect("problem lock") = problem;
    }

    fn recover(&self) {
        if !self.healthy.swap(true, Ordering::AcqRel) {
            tracing::info!(replica = %self.url, "replica back in rotation");
        }
        self.last_problem.lock().expect("problem lock").clear();
    }

    pub(super) fn health(&self, shard: usize) -> ReplicaHealth {
        let lag = self.lag_seconds.load(Ordering::Relaxed);
        ReplicaHealth {
            shard,
            url: self.url.redacted(),
            healthy: self.is_healthy(),
            lag_seconds: (lag != u64::MAX).then_some(lag),
            problem: self.last_problem.lock().expect("problem lock").clone(),
        }
    }

    /// Asks the replica how replication goes, and puts it in or out of rotation.
    pub(super) async fn check(&self, max_lag: Duration, timeout: Duration) {
        let asked = tokio::time::timeout(timeout, self.replication_row()).await;
        let row = match asked {
            Ok(Ok(row)) => row,
            Ok(Err(err)) => return self.fail(format!("cannot ask it: {err}")),
            Err(_) => return self.fail(format!("no answer within {timeout:?}")),
        };
        let Some(row) = row else {
            return self.fail("it is not replicating from anything".to_owned());
        };
        let status = crate::monitor::replica_status(&row);
        self.lag_seconds
            .store(status.seconds_behind.unwrap_or(u64::MAX), Ordering::Relaxed);
        if !(status.io_running && status.sql_running) {
            return self.fail(format!(
                "replication stopped (io {}, sql {}){}",
                status.io_running,
                status.sql_running,
                if status.last_error.is_empty() {
                    String::new()
                } else {
                    format!(": {}", status.last_error)
                }
            ));
        }
        match status.seconds_behind {
            Some(lag) if Duration::from_secs(lag) <= max_lag => self.recover(),
            Some(lag) => self.fail(format!("{lag} s behind, more than {max_lag:?}")),
            None => self.fail("its lag is unknown".to_owned()),
        }
    }

    async fn replication_row(&self) -> Result<Option<Row>, Error> {
        let mut conn = OwnConn::on(&self.db).await?;
        let dialect = conn.dialect();
        let row = conn.query_first(admin::replication_status(dialect)).await?;
        conn.done();
        Ok(row)
    }

    /// Waits until this replica has applied everything `primary` had written when asked,
    /// for at most `timeout`. `Ok(false)` when it has not caught up in time.
    pub(super) async fn catch_up_with(
        &self,
        primary: &Server,
        timeout: Duration,
    ) -> Result<bool, Error> {
        let position: Option<String> = {
            let mut conn = OwnConn::on(primary).await?;
            let dialect = conn.dialect();
            let position = conn.query_first(replication::position(dialect)).await?;
            conn.done();
            position
        };
        let Some(position) = position.filter(|p| !p.is_empty()) else {
            // Nothing written to the binary log yet: nothing to wait for.
            return Ok(true);
        };
        let mut conn = OwnConn::on(&self.db).await?;
        let dialect = conn.dialect();
        let waited: Option<Option<i64>> = conn
            .exec_first(
                replication::wait_for(dialect),
                (position, timeout.as_secs_f64()),
            )
            .await?;
        conn.done();
        Ok(waited.flatten() == Some(0))
    }
}
