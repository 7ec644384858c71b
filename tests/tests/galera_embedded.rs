//! The embedded Galera cluster itself: three nodes synced, writes on one seen on the
//! others, a killed node's absence survived and its return caught up.

use std::time::Instant;

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db_embedded::{connect_opts, EmbeddedGalera};

/// Runs the `;`-separated statements on one connection; the last one's rows.
async fn sql(url: &str, statements: &str) -> Vec<(u32, u32)> {
    let mut conn = Conn::new(connect_opts(url, None).unwrap()).await.unwrap();
    let mut rows = Vec::new();
    for statement in statements.split("; ") {
        rows = conn
            .query(statement)
            .await
            .unwrap_or_else(|err| panic!("{statement}: {err}"));
    }
    conn.disconnect().await.ok();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_replicate_and_a_killed_node_catches_up() {
    let started = Instant::now();
    let mut cluster = EmbeddedGalera::start(3)
        .await
        .expect("start a 3-node cluster");
    eprintln!("3 nodes synced in {:?}", started.elapsed());
    for index in 0..3 {
        let state = cluster.state(index).await.unwrap();
        assert!(state.is_synced(), "node {index}: {state}");
        assert_eq!(state.cluster_size, 3, "node {index}: {state}");
    }
    let urls = cluster.urls();
    sql(&urls[0], "CREATE DATABASE g").await;
    sql(&urls[0], "CREATE TABLE g.t (id INT PRIMARY KEY, v INT)").await;
    sql(&urls[0], "INSERT INTO g.t VALUES (1, 10)").await;
    // Galera applies on the others before the commit returns; reading there waits for it.
    let causal = "SET SESSION wsrep_sync_wait = 1";
    assert_eq!(
        sql(&urls[2], &format!("{causal}; SELECT id, v FROM g.t")).await,
        vec![(1, 10)]
    );

    cluster.node_mut(0).kill();
    sql(&urls[1], "INSERT INTO g.t VALUES (2, 20)").await;
    let state = cluster.state(2).await.unwrap();
    assert!(state.is_synced(), "node 2 after the kill: {state}");

    let restarted = Instant::now();
    cluster.restart(0).await.expect("the killed node rejoins");
    eprintln!("node 0 rejoined in {:?}", restarted.elapsed());
    assert_eq!(
        sql(
            &urls[0],
            &format!("{causal}; SELECT id, v FROM g.t ORDER BY id")
        )
        .await,
        vec![(1, 10), (2, 20)]
    );
    assert_eq!(cluster.state(0).await.unwrap().cluster_size, 3);
}
