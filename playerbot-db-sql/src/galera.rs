//! A Galera node's own view of itself: what a client reads to tell whether the node may take
//! writes, and to report its health.

/// `(Variable_name, Value)` rows: readiness, the component, the local state, the cluster's
/// identity, size and members, and the flow-control, certification and queue counters.
pub const NODE_STATUS: &str = "SHOW GLOBAL STATUS WHERE Variable_name IN (\
    'wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state_comment', \
    'wsrep_cluster_size', 'wsrep_cluster_state_uuid', 'wsrep_incoming_addresses', \
    'wsrep_flow_control_paused', 'wsrep_local_cert_failures', 'wsrep_local_recv_queue')";

/// `(wsrep_on, wsrep_max_ws_rows, wsrep_max_ws_size)`, asked of every new MariaDB connection
/// (and of every node a Galera shard lists): whether it is a Galera node, and the rows and
/// bytes one transaction's write set may hold there.
pub const WRITE_SET_BOUNDS: &str =
    "SELECT @@GLOBAL.wsrep_on, @@GLOBAL.wsrep_max_ws_rows, @@GLOBAL.wsrep_max_ws_size";

/// Makes the session's reads wait until the node has applied every write the cluster had
/// committed when the read began (causal reads: a read on any node sees the writer's commits).
pub const CAUSAL_READS: &str = "SET SESSION wsrep_sync_wait = 1";

/// Back to the server's setting for the session's reads (undoes [`CAUSAL_READS`]).
pub const DEFAULT_READS: &str = "SET SESSION wsrep_sync_wait = DEFAULT";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        insta::assert_snapshot!(
            "galera",
            [NODE_STATUS, WRITE_SET_BOUNDS, CAUSAL_READS, DEFAULT_READS].join(";\n")
        );
    }
}
