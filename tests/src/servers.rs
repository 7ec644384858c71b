//! Helpers for tests that start servers of their own (replication, shards): SQL on a server
//! directly, around the library, a two-shard cluster, and writers that keep saving bots
//! while a range moves.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;

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

/// Pools for range-move tests: bot states and events (both partitioned by bot id) and a
/// write-behind queue that flushes every 20 ms.
pub fn move_entities(builder: DbBuilder) -> DbBuilder {
    builder
        .register::<BotState>()
        .register::<playerbot_db::bots::BotEvent>()
        .write_behind(playerbot_db::WriteBehindConfig {
            interval: Duration::from_millis(20),
            ..playerbot_db::WriteBehindConfig::default()
        })
}

/// `(bot_id, flags)` of every `game.bot_state` row with an id `BETWEEN {ids}` (say
/// `"500 AND 599"`) on `server`, read directly.
pub async fn flags_on(server: &EmbeddedServer, ids: &str) -> HashMap<u32, u32> {
    let mut conn = connect(server).await;
    let rows: Vec<(u32, u32)> = conn
        .query(format!(
            "SELECT bot_id, flags FROM game.bot_state WHERE bot_id BETWEEN {ids}"
        ))
        .await
        .unwrap();
    conn.disconnect().await.ok();
    rows.into_iter().collect()
}

/// What writers had accepted last for each bot: its `flags`.
pub type Accepted = Arc<Mutex<HashMap<u32, u32>>>;

/// `writers` tasks saving bots `ids` through `cluster` until `stop` (each its share of the
/// ids, half directly and half through the write-behind queue), each remembering in `last`
/// what was accepted. A refused write fails the test.
pub fn spawn_writers(
    cluster: &Cluster,
    ids: Range<u32>,
    writers: u32,
    stop: &Arc<AtomicBool>,
    last: &Accepted,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..writers)
        .map(|writer| {
            let (cluster, stop, last) = (cluster.clone(), Arc::clone(stop), Arc::clone(last));
            let ids = ids.clone();
            tokio::spawn(async move {
                let mut round = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    round += 1;
                    for bot_id in (ids.start + writer..ids.end).step_by(writers as usize) {
                        let state = BotState {
                            flags: round * 10 + writer,
                            ..crate::fixtures::bot_state(bot_id)
                        };
                        let saved = if (bot_id / writers).is_multiple_of(2) {
                            cluster.save(&state).await
                        } else {
                            cluster.save_deferred(&state).await
                        };
                        saved.expect("a write while a range moves");
                        last.lock().unwrap().insert(bot_id, state.flags);
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            })
        })
        .collect()
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

/// Two servers, each with an empty `game` database, and the topology making them shards of
/// bot ids 0..1000 and 1000.. .
pub async fn two_servers() -> (EmbeddedServer, EmbeddedServer, Topology) {
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
    (a, b, topology)
}

/// [`two_servers`] as a cluster with `configure`d pools and the registered entities' tables
/// created.
pub async fn two_shards(
    configure: impl Fn(DbBuilder) -> DbBuilder,
) -> (EmbeddedServer, EmbeddedServer, Cluster) {
    let (a, b, topology) = two_servers().await;
    let cluster = Cluster::build(topology, ClusterPolicy::default(), configure)
        .await
        .expect("cluster");
    for shard in 0..2 {
        cluster.primary(shard).create_tables().await.unwrap();
    }
    (a, b, cluster)
}
