//! One node's health, read from the engine's own state (`SHOW GLOBAL STATUS LIKE 'wsrep_%'`).

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts};
use playerbot_db_sql::galera::NODE_STATUS;

/// What a Galera node said of itself at its last check, or why it could not be asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GaleraNodeHealth {
    /// The node's URL, password hidden.
    pub url: String,
    /// Writes of its shard go here now.
    pub writer: bool,
    /// The node answered its last check.
    pub reachable: bool,
    /// `wsrep_ready = ON`: it accepts queries.
    pub ready: bool,
    /// `wsrep_cluster_status`: `Primary`, `non-Primary` or `Disconnected`.
    pub cluster_status: String,
    /// `wsrep_local_state_comment`: `Synced`, `Donor/Desynced`, `Joining`, `Joined`, ….
    pub state: String,
    /// `wsrep_cluster_size`: members of its component.
    pub cluster_size: u32,
    /// `wsrep_cluster_state_uuid`: the cluster's history; the same on every node of one.
    pub cluster_uuid: String,
    /// `wsrep_flow_control_paused`: the fraction of time replication was paused by flow
    /// control since the last `FLUSH STATUS`.
    pub flow_control_paused: f64,
    /// `wsrep_local_cert_failures`: local transactions refused by certification.
    pub cert_failures: u64,
    /// `wsrep_local_recv_queue`: write sets waiting to be applied.
    pub recv_queue: u64,
    /// Why it could not be asked, when it could not.
    pub error: Option<String>,
    /// `wsrep_incoming_addresses`: its component's members, as their clients reach them.
    pub(crate) members: Vec<String>,
}

impl GaleraNodeHealth {
    /// May take writes and reads: ready, synced, in the primary component.
    pub fn usable(&self) -> bool {
        self.reachable && self.ready && self.cluster_status == "Primary" && self.state == "Synced"
    }

    pub(super) fn unreachable(url: String, error: String) -> GaleraNodeHealth {
        GaleraNodeHealth {
            url,
            error: Some(error),
            ..GaleraNodeHealth::default()
        }
    }

    /// A short line for errors and logs: `Synced, Primary of 3` or the reason.
    pub(crate) fn summary(&self) -> String {
        match &self.error {
            Some(error) => format!("{}: {error}", self.url),
            None => format!(
                "{}: {}, {} of {}, ready {}",
                self.url, self.state, self.cluster_status, self.cluster_size, self.ready
            ),
        }
    }
}

/// Opens a connection for checks, bounded by `limit`.
pub(super) async fn open(opts: Opts, limit: Duration) -> Result<Conn, String> {
    match tokio::time::timeout(limit, Conn::new(opts)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(crate::error::ConnectError::from_driver(&err).to_string()),
        Err(_) => Err(format!("no answer to a connection within {limit:?}")),
    }
}

/// Whether the server runs with wsrep on (as a pooled connection learns it).
pub(super) async fn runs_wsrep(conn: &mut Conn, limit: Duration) -> Result<bool, String> {
    match tokio::time::timeout(limit, crate::pool::galera_facts(conn)).await {
        Ok(Ok(facts)) => Ok(facts.is_some()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {limit:?}")),
    }
}

/// Reads the node's state on `conn`, bounded by `limit`.
pub(super) async fn check(
    conn: &mut Conn,
    url: String,
    limit: Duration,
) -> Result<GaleraNodeHealth, String> {
    let rows: Vec<(String, String)> =
        match tokio::time::timeout(limit, conn.query(NODE_STATUS)).await {
            Ok(Ok(rows)) => rows,
            Ok(Err(err)) => return Err(err.to_string()),
            Err(_) => return Err(format!("no answer within {limit:?}")),
        };
    let mut health = GaleraNodeHealth {
        url,
        reachable: true,
        ..GaleraNodeHealth::default()
    };
    for (name, value) in rows {
        match name.to_ascii_lowercase().as_str() {
            "wsrep_ready" => health.ready = value.eq_ignore_ascii_case("ON"),
            "wsrep_cluster_status" => health.cluster_status = value,
            "wsrep_local_state_comment" => health.state = value,
            "wsrep_cluster_size" => health.cluster_size = value.parse().unwrap_or(0),
            "wsrep_cluster_state_uuid" => health.cluster_uuid = value,
            "wsrep_incoming_addresses" => {
                let mut members: Vec<String> = value
                    .split(',')
                    .filter(|member| !member.is_empty())
                    .map(str::to_owned)
                    .collect();
                members.sort();
                health.members = members;
            }
            "wsrep_flow_control_paused" => {
                health.flow_control_paused = value.parse().unwrap_or(0.0)
            }
            "wsrep_local_cert_failures" => health.cert_failures = value.parse().unwrap_or(0),
            "wsrep_local_recv_queue" => health.recv_queue = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    Ok(health)
}
