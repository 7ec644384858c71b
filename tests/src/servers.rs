//! Helpers for tests that start servers of their own (replication, shards): SQL on a server
//! directly, around the library, and a two-shard cluster.

use std::time::{Duration, Instant};

use playerbot_db::cluster::{Cluster, ClusterPolicy, Topology};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::session::connect_opts;
use playerbot_db::DbBuilder;
use playerbot_db_embedded::EmbeddedServer;

async fn connect(server: &EmbeddedServer) -> Conn {
    Conn::new(connect_opts(&server.url(), None).unwrap())
        .await
        .expect("connect to the test's server")
}

/// Runs `sql` on `server` (no database selected).
pub async fn run_on(server: &EmbeddedServer, sql: &str) {
    let mut conn = connect(server).await;
    conn.query_drop(sql)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
    conn.disconnect().await.ok();
}

/// The one number `sql` returns on `server` (0 for none), read directly.
pub async fn number_on(server: &EmbeddedServer, sql: &str) -> u64 {
    let mut conn = connect(server).await;
    let value: Option<u64> = conn.query_first(sql).await.unwrap();
    conn.disconnect().await.ok();
    value.unwrap_or(0)
}

/// The URL of `server`'s `game` database.
pub fn game_url(server: &EmbeddedServer) -> String {
    format!("{}game", server.url())
}

/// Polls until `check` holds or 20 s pass; whether it held.
pub async fn eventually(mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Two servers, each with a `game` database, as shards of bot ids 0..1000 and 1000.. with
/// `configure`d pools and the registered entities' tables created.
pub async fn two_shards(
    configure: impl Fn(DbBuilder) -> DbBuilder,
) -> (EmbeddedServer, EmbeddedServer, Cluster) {
    let (a, b) = (
        EmbeddedServer::start().await.expect("shard 0"),
        EmbeddedServer::start().await.expect("shard 1"),
    );
    for server in [&a, &b] {
        run_on(server, "CREATE DATABASE game").await;
    }
    let topology = Topology::default()
        .shard(0..1_000, game_url(&a), Vec::<String>::new())
        .shard(1_000..u64::MAX, game_url(&b), Vec::<String>::new());
    let cluster = Cluster::build(topology, ClusterPolicy::default(), configure)
        .await
        .expect("cluster");
    for shard in 0..2 {
        cluster.primary(shard).create_tables().await.unwrap();
    }
    (a, b, cluster)
}
