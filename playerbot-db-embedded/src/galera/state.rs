//! A node's replication state, as the engine reports it.

use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;

use crate::connect::{connect, sql_error};
use crate::{EmbeddedError, EmbeddedServer};

/// What `SHOW STATUS LIKE 'wsrep_%'` says about a node's part in its cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeState {
    /// `wsrep_ready`: the node accepts queries.
    pub ready: bool,
    /// `wsrep_cluster_status`: `Primary`, `non-Primary` or `Disconnected`.
    pub cluster_status: String,
    /// `wsrep_local_state_comment`: `Synced`, `Donor/Desynced`, `Joining`, `Joined`, ….
    pub local_state: String,
    /// `wsrep_cluster_size`: members of the component the node is in.
    pub cluster_size: u32,
    /// `wsrep_cluster_conf_id`: the number of view changes the node has seen; the same on
    /// every member of one component.
    pub conf_id: u64,
}

impl NodeState {
    /// Usable for reads and writes: ready, in the primary component, and synced.
    pub fn is_synced(&self) -> bool {
        self.ready && self.cluster_status == "Primary" && self.local_state == "Synced"
    }
}

impl std::fmt::Display for NodeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} in a {} component of {}, ready: {}",
            self.local_state, self.cluster_status, self.cluster_size, self.ready
        )
    }
}

const STATUS: &str = "SHOW STATUS WHERE Variable_name IN ('wsrep_ready', \
    'wsrep_cluster_status', 'wsrep_local_state_comment', 'wsrep_cluster_size', \
    'wsrep_cluster_conf_id')";

/// Reads the node's state over a new connection.
pub(crate) async fn read_state(node: &EmbeddedServer) -> Result<NodeState, EmbeddedError> {
    let mut conn = connect(node).await?;
    let rows: Vec<(String, String)> = conn
        .query(STATUS)
        .await
        .map_err(sql_error(node, "reading the node's Galera state"))?;
    let _ = conn.disconnect().await;
    let mut state = NodeState::default();
    for (name, value) in rows {
        match name.to_ascii_lowercase().as_str() {
            "wsrep_ready" => state.ready = value == "ON",
            "wsrep_cluster_status" => state.cluster_status = value,
            "wsrep_local_state_comment" => state.local_state = value,
            "wsrep_cluster_size" => state.cluster_size = value.parse().unwrap_or(0),
            "wsrep_cluster_conf_id" => state.conf_id = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    Ok(state)
}

/// Waits until node `index` is synced in the primary component.
pub(crate) async fn wait_synced(
    node: &EmbeddedServer,
    index: usize,
    limit: Duration,
) -> Result<(), EmbeddedError> {
    let started = Instant::now();
    let mut last = String::from("never answered");
    while started.elapsed() < limit {
        match read_state(node).await {
            Ok(state) if state.is_synced() => return Ok(()),
            Ok(state) => last = state.to_string(),
            Err(err) => last = err.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(EmbeddedError::NotSynced {
        node: index,
        waited: limit,
        state: last,
        log_tail: node.log_tail(),
    })
}
