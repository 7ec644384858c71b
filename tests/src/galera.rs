//! Helpers for tests on embedded Galera clusters: a database on the cluster, a handle on
//! it, and reading a table on one node directly.

use std::collections::HashMap;
use std::time::Duration;

use playerbot_db::bots::BotState;
use playerbot_db::cluster::{ClusterPolicy, GaleraSpec, Topology};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::{Db, DbBuilder, WriteBehindConfig};
use playerbot_db_embedded::{connect_opts, EmbeddedGalera};

/// One test's cluster at a time in a test binary. Ten 3-node clusters at once on two cores
/// (with a build beside them) starved nodes past the embedded failure detection's second:
/// live nodes were dropped and a test saw no primary component for 30 s.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A test's cluster, and its turn: the next test's cluster starts once this is dropped
/// (the cluster first: fields drop in order).
#[derive(Debug)]
pub struct TestCluster {
    cluster: EmbeddedGalera,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl std::ops::Deref for TestCluster {
    type Target = EmbeddedGalera;
    fn deref(&self) -> &EmbeddedGalera {
        &self.cluster
    }
}

impl std::ops::DerefMut for TestCluster {
    fn deref_mut(&mut self) -> &mut EmbeddedGalera {
        &mut self.cluster
    }
}

/// A 3-node cluster with database `game` (made on node 0, replicated to the others), once
/// no other test of this binary has one.
pub async fn cluster_with_game() -> TestCluster {
    let turn = TURN.lock().await;
    let cluster = EmbeddedGalera::start(3)
        .await
        .expect("start a 3-node Galera cluster");
    run_on(&cluster.urls()[0], "CREATE DATABASE game").await;
    TestCluster {
        cluster,
        _turn: turn,
    }
}

/// The node URLs with database `game`, in the order given by `order`.
pub fn game_urls(cluster: &EmbeddedGalera, order: &[usize]) -> Vec<String> {
    let urls = cluster.urls();
    order
        .iter()
        .map(|&index| format!("{}game", urls[index]))
        .collect()
}

/// A handle on the cluster (nodes in `order`), bot states registered, a write-behind queue
/// that flushes every 20 ms, and checks fast enough for tests.
pub fn galera_builder(cluster: &EmbeddedGalera, order: &[usize]) -> DbBuilder {
    Db::cluster(Topology::galera(GaleraSpec::new(game_urls(cluster, order))))
        .policy(ClusterPolicy {
            galera_check_every: Duration::from_millis(100),
            galera_check_timeout: Duration::from_millis(500),
            ..ClusterPolicy::default()
        })
        .connect_timeout(Duration::from_secs(1))
        .statement_timeout(Duration::from_secs(3))
        .register::<BotState>()
        .write_behind(WriteBehindConfig {
            interval: Duration::from_millis(20),
            ..WriteBehindConfig::default()
        })
}

/// Runs `sql` on the server at `url`.
pub async fn run_on(url: &str, sql: &str) {
    let mut conn = Conn::new(connect_opts(url, None).unwrap()).await.unwrap();
    conn.query_drop(sql)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
    conn.disconnect().await.ok();
}

/// `bot_id → flags` of `game.bot_state` on the node at `url`, read causally (after every
/// write the cluster had committed).
pub async fn flags_on_node(url: &str) -> HashMap<u32, u32> {
    let mut conn = Conn::new(connect_opts(url, None).unwrap()).await.unwrap();
    conn.query_drop("SET SESSION wsrep_sync_wait = 1")
        .await
        .unwrap();
    let rows: Vec<(u32, u32)> = conn
        .query("SELECT bot_id, flags FROM game.bot_state")
        .await
        .unwrap();
    conn.disconnect().await.ok();
    rows.into_iter().collect()
}
