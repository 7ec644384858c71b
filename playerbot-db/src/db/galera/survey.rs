//! The build-time look at a Galera shard's nodes: every reachable one must run wsrep and
//! belong to the same cluster (the same history, the same members); nodes that cannot be
//! reached are reported and kept (they may come back); the writer is the first synced one.

use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mysql_async::Conn;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::health::{self, GaleraNodeHealth};
use super::GaleraShard;
use crate::config::DbConfig;
use crate::db::GaleraSpec;
use crate::Error;

/// What one node answered at build.
enum Answer {
    Galera(GaleraNodeHealth, Conn),
    NotGalera,
    /// A MySQL Group Replication member: its state and role.
    GroupMember(String, String),
    Unreachable(String),
}

/// Looks at every node of shard `shard` (all at once, each bounded by the connect timeout)
/// and refuses a node list that is not one Galera cluster. Returns the shard's state, its
/// writer chosen, and the connections the monitor goes on with.
pub(in crate::db) async fn survey(
    shard: usize,
    spec: &GaleraSpec,
    config: &DbConfig,
) -> Result<(Arc<GaleraShard>, Vec<Option<Conn>>), Error> {
    let limit = config.connect_timeout;
    let mut opts = Vec::with_capacity(spec.nodes.len());
    for url in &spec.nodes {
        let node_config = DbConfig {
            url: url.clone(),
            ..config.clone()
        };
        opts.push(node_config.driver_opts(0)?);
    }
    let mut asked = JoinSet::new();
    for (index, node_opts) in opts.iter().enumerate() {
        let (node_opts, url) = (node_opts.clone(), spec.nodes[index].redacted());
        asked.spawn(async move { (index, ask(node_opts, url, limit).await) });
    }
    let mut answers: Vec<Option<Answer>> = (0..spec.nodes.len()).map(|_| None).collect();
    while let Some(done) = asked.join_next().await {
        if let Ok((index, answer)) = done {
            answers[index] = Some(answer);
        }
    }
    let mut health = Vec::with_capacity(answers.len());
    let mut conns = Vec::with_capacity(answers.len());
    for (index, answer) in answers.into_iter().enumerate() {
        let url = spec.nodes[index].redacted();
        let answer =
            answer.unwrap_or_else(|| Answer::Unreachable("the check was abandoned".into()));
        match answer {
            Answer::Galera(node, conn) => {
                health.push(node);
                conns.push(Some(conn));
            }
            Answer::NotGalera => {
                return Err(Error::GaleraNode {
                    node: url,
                    problem: "runs with wsrep off: it is not a Galera node (is it in the right shard's list?)".into(),
                })
            }
            Answer::GroupMember(state, role) => {
                return Err(Error::GaleraNode {
                    node: url,
                    problem: format!(
                        "is a MySQL Group Replication member ({state}, {role}), not a Galera node: \
                         group shards are not supported yet; list its primary as a shard's \
                         server and its secondaries as that shard's replicas"
                    ),
                })
            }
            Answer::Unreachable(error) => {
                tracing::warn!(shard, node = %url, %error, "a Galera node cannot be reached; the shard starts with the others");
                health.push(GaleraNodeHealth::unreachable(url, error));
                conns.push(None);
            }
        }
    }
    one_cluster(&health)?;
    let writer = health
        .iter()
        .position(GaleraNodeHealth::usable)
        .ok_or_else(|| Error::NoSyncedNode {
            shard,
            states: health
                .iter()
                .map(GaleraNodeHealth::summary)
                .collect::<Vec<_>>()
                .join("; "),
        })?;
    let galera = GaleraShard {
        shard,
        nodes: spec.nodes.clone(),
        opts,
        health: Mutex::new(health),
        writer: AtomicUsize::new(writer),
        failovers: AtomicU64::new(0),
        wake: Arc::new(Notify::new()),
        readers: std::sync::OnceLock::new(),
        next_reader: AtomicUsize::new(0),
    };
    Ok((Arc::new(galera), conns))
}

async fn ask(opts: mysql_async::Opts, url: String, limit: Duration) -> Answer {
    let mut conn = match health::open(opts, limit).await {
        Ok(conn) => conn,
        Err(error) => return Answer::Unreachable(error),
    };
    match health::runs_wsrep(&mut conn, limit).await {
        Ok(true) => {}
        Ok(false) => return group_member(&mut conn, limit).await,
        Err(error) => return Answer::Unreachable(error),
    }
    match health::check(&mut conn, url, limit).await {
        Ok(node) => Answer::Galera(node, conn),
        Err(error) => Answer::Unreachable(error),
    }
}

/// What a node without wsrep is: a MySQL Group Replication member, or neither.
async fn group_member(conn: &mut Conn, limit: Duration) -> Answer {
    use mysql_async::prelude::Queryable;
    let asked =
        conn.query_first::<(String, String), _>(playerbot_db_sql::group_replication::MEMBER_STATE);
    match tokio::time::timeout(limit, asked).await {
        Ok(Ok(Some((state, role)))) => Answer::GroupMember(state, role),
        // No row (not a member), no such table (MariaDB), or no answer: not a group member
        // that can be named, so the plain "wsrep off".
        _ => Answer::NotGalera,
    }
}

/// The reachable nodes share one history, and the synced ones one membership (when the
/// nodes publish their addresses).
fn one_cluster(health: &[GaleraNodeHealth]) -> Result<(), Error> {
    let reachable: Vec<&GaleraNodeHealth> = health.iter().filter(|node| node.reachable).collect();
    if let Some(first) = reachable.first() {
        if let Some(other) = reachable
            .iter()
            .find(|node| node.cluster_uuid != first.cluster_uuid)
        {
            return Err(Error::GaleraNode {
                node: other.url.clone(),
                problem: format!(
                    "belongs to another cluster: its state UUID is {}, node {}'s is {}",
                    other.cluster_uuid, first.url, first.cluster_uuid
                ),
            });
        }
    }
    let published = |node: &&&GaleraNodeHealth| {
        node.usable() && !node.members.iter().any(|member| member.starts_with("AUTO"))
    };
    let synced: Vec<&&GaleraNodeHealth> = reachable.iter().filter(published).collect();
    if let Some(first) = synced.first() {
        if let Some(other) = synced.iter().find(|node| node.members != first.members) {
            return Err(Error::GaleraNode {
                node: other.url.clone(),
                problem: format!(
                    "is not in the same cluster as node {}: its component's members are [{}], that node's [{}]",
                    first.url,
                    other.members.join(", "),
                    first.members.join(", ")
                ),
            });
        }
    }
    Ok(())
}
