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

/// A 3-node cluster with database `game` (made on node 0, replicated to the others).
pub async fn cluster_with_game() -> EmbeddedGalera {
    let cluster = EmbeddedGalera::start(3)
        .await
        .expect("start a 3-node Galera cluster");
    run_on(&cluster.urls()[0], "CREATE DATABASE game").await;
    cluster
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
