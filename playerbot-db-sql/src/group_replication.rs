//! MySQL Group Replication, MySQL's counterpart to Galera: what a client reads to tell a
//! member of a group from a plain MySQL server. Group shards are not built yet (see the
//! README); a shard's build uses this to say so by name instead of "wsrep off".

/// `(MEMBER_STATE, MEMBER_ROLE)` of the server itself, when it is a member of a group
/// (`ONLINE`, `RECOVERING`, … and `PRIMARY` or `SECONDARY`); no row otherwise. The table
/// exists on every MySQL ≥ 8.0; on MariaDB it does not (an error: not a member).
pub const MEMBER_STATE: &str = "SELECT MEMBER_STATE, MEMBER_ROLE \
    FROM performance_schema.replication_group_members WHERE MEMBER_ID = @@GLOBAL.server_uuid";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        insta::assert_snapshot!("group_replication", MEMBER_STATE);
    }
}
