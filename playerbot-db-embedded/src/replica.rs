//! Making one embedded server a replica of another through the servers' own GTID
//! replication, set up over SQL.

use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::Row;
use playerbot_db_sql::{admin, replication, Name};

use crate::connect::{connect, sql_error};
use crate::private::random_password;
use crate::{EmbeddedError, EmbeddedServer};

/// Replication starts within a second or two; this bound only stops a broken setup from
/// hanging a test.
const RUNNING_TIMEOUT: Duration = Duration::from_secs(30);
const REPLICATION_USER: &str = "playerbot_repl";

/// Points `replica` at `primary`, waits until both replication threads run, then until the
/// replica has applied everything the primary had written (a database made before the
/// replica started is there when this returns).
pub(crate) async fn follow(
    primary: &EmbeddedServer,
    replica: &EmbeddedServer,
) -> Result<(), EmbeddedError> {
    let user = Name::new("user", REPLICATION_USER).expect("a plain name");
    let host = Name::new("host", "127.0.0.1").expect("a plain name");
    let password = random_password()?;
    run(
        primary,
        "creating the replication account",
        &admin::create_replication_user(&user, &password),
    )
    .await?;
    let source = admin::Source {
        host: &host,
        port: primary.port(),
        user: &user,
        password: &password,
    };
    run(
        replica,
        "starting replication",
        &admin::start_replication(replica.dialect(), &source),
    )
    .await?;
    wait_until_running(replica).await?;
    catch_up(primary, replica).await
}

async fn catch_up(primary: &EmbeddedServer, replica: &EmbeddedServer) -> Result<(), EmbeddedError> {
    let mut conn = connect(primary).await?;
    let position: Option<String> = conn
        .query_first(replication::position(primary.dialect()))
        .await
        .map_err(sql_error(primary, "reading the primary's position"))?;
    let _ = conn.disconnect().await;
    let Some(position) = position.filter(|position| !position.is_empty()) else {
        return Ok(());
    };
    let mut conn = connect(replica).await?;
    let answer: Option<i64> = conn
        .exec_first(
            replication::wait_for(replica.dialect()),
            (position.as_str(), RUNNING_TIMEOUT.as_secs()),
        )
        .await
        .map_err(sql_error(replica, "waiting for the replica to catch up"))?;
    let _ = conn.disconnect().await;
    if answer == Some(0) {
        return Ok(());
    }
    Err(EmbeddedError::ReplicationNotRunning {
        waited: RUNNING_TIMEOUT,
        status: format!("it did not reach the primary's position {position} ({answer:?})"),
    })
}

impl EmbeddedServer {
    /// Stops this replica's replication; it keeps the rows it has and falls behind until
    /// [`resume_replication`](Self::resume_replication).
    pub async fn stop_replication(&self) -> Result<(), EmbeddedError> {
        let stop = admin::stop_replication(self.dialect()).to_owned();
        run(self, "stopping replication", &[stop]).await
    }

    /// Starts this replica's replication again where it stopped.
    pub async fn resume_replication(&self) -> Result<(), EmbeddedError> {
        let start = admin::resume_replication(self.dialect()).to_owned();
        run(self, "resuming replication", &[start]).await?;
        wait_until_running(self).await
    }
}

async fn wait_until_running(replica: &EmbeddedServer) -> Result<(), EmbeddedError> {
    let started = Instant::now();
    let status_sql = admin::replication_status(replica.dialect());
    let mut conn = connect(replica).await?;
    loop {
        let row: Option<Row> = conn
            .query_first(status_sql)
            .await
            .map_err(sql_error(replica, "reading the replication status"))?;
        let status = row.as_ref().map(describe).unwrap_or_default();
        if status.running {
            let _ = conn.disconnect().await;
            return Ok(());
        }
        if started.elapsed() > RUNNING_TIMEOUT {
            return Err(EmbeddedError::ReplicationNotRunning {
                waited: RUNNING_TIMEOUT,
                status: status.text,
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[derive(Default)]
struct Status {
    running: bool,
    text: String,
}

/// Reads the status row by column name: MariaDB says `Slave_…`, MySQL `Replica_…`.
fn describe(row: &Row) -> Status {
    let column = |names: &[&str]| -> String {
        names
            .iter()
            .find_map(|name| row.get_opt::<String, _>(*name).and_then(Result::ok))
            .unwrap_or_default()
    };
    let io = column(&["Slave_IO_Running", "Replica_IO_Running"]);
    let sql = column(&["Slave_SQL_Running", "Replica_SQL_Running"]);
    let error = column(&["Last_IO_Error"]) + &column(&["Last_SQL_Error"]);
    Status {
        running: io == "Yes" && sql == "Yes",
        text: format!("IO thread {io:?}, SQL thread {sql:?}, last error {error:?}"),
    }
}

async fn run(
    server: &EmbeddedServer,
    action: &'static str,
    statements: &[String],
) -> Result<(), EmbeddedError> {
    let mut conn = connect(server).await?;
    for statement in statements {
        conn.query_drop(statement)
            .await
            .map_err(sql_error(server, action))?;
    }
    let _ = conn.disconnect().await;
    Ok(())
}
