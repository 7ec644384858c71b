//! Helpers for tests that start servers of their own (replication, shards): SQL on a server
//! directly, around the library, a two-shard cluster, and writers that keep saving bots
//! while a range moves.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;

use playerbot_db::cluster::{ClusterPolicy, Topology};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::Db;
use playerbot_db::DbBuilder;
use playerbot_db_embedded::connect_opts;
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

/// Tasks that keep saving bots while a range moves, and what each bot's last accepted
/// save was (its `flags`).
#[derive(Debug)]
pub struct Writers {
    stop: Arc<AtomicBool>,
    last: Arc<Mutex<HashMap<u32, u32>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Writers {
    /// `count` tasks saving bots `ids` through `cluster` (each its share of the ids, half
    /// directly and half through the write-behind queue) until stopped. A refused write
    /// fails the test.
    pub fn start(cluster: &Db, ids: Range<u32>, count: u32) -> Writers {
        let stop = Arc::new(AtomicBool::new(false));
        let last: Arc<Mutex<HashMap<u32, u32>>> = Arc::default();
        let tasks = (0..count)
            .map(|writer| {
                let (cluster, stop, last) = (cluster.clone(), Arc::clone(&stop), Arc::clone(&last));
                let ids = ids.clone();
                tokio::spawn(async move {
                    let mut round = 0u32;
                    while !stop.load(Ordering::Relaxed) {
                        round += 1;
                        for bot_id in (ids.start + writer..ids.end).step_by(count as usize) {
                            let state = BotState {
                                flags: round * 10 + writer,
                                ..crate::fixtures::bot_state(bot_id)
                            };
                            let saved = if (bot_id / count).is_multiple_of(2) {
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
            .collect();
        Writers { stop, last, tasks }
    }

    /// Stops the tasks; each bot's last accepted `flags`. (Saves through the write-behind
    /// queue may still be queued: flush before reading the servers.)
    pub async fn stop(self) -> HashMap<u32, u32> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.unwrap();
        }
        let last = self.last.lock().unwrap().clone();
        last
    }
}

/// Checks, reading the servers directly, that every bot of `last` holds its last accepted
/// `flags` where a move of `moved` from `from` to `to` puts it: the bots of `moved` on
/// `to` (all of them, none left on `from`), the others on `from`.
pub async fn check_placed(
    last: &HashMap<u32, u32>,
    moved: Range<u32>,
    (from, to): (&EmbeddedServer, &EmbeddedServer),
) {
    let ids = format!("{} AND {}", moved.start, moved.end - 1);
    assert!(flags_on(from, &ids).await.is_empty(), "left on the source");
    let on_target = flags_on(to, &ids).await;
    assert_eq!(on_target.len(), moved.len());
    let on_source = flags_on(from, &format!("0 AND {}", u32::MAX)).await;
    for (bot_id, flags) in last {
        let found = if moved.contains(bot_id) {
            on_target.get(bot_id)
        } else {
            on_source.get(bot_id)
        };
        assert_eq!(found, Some(flags), "bot {bot_id}");
    }
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
) -> (EmbeddedServer, EmbeddedServer, Db) {
    let (a, b, topology) = two_servers().await;
    let cluster = configure(Db::cluster(topology).policy(ClusterPolicy::default()))
        .build()
        .await
        .expect("cluster");
    for shard in 0..2 {
        cluster.primary(shard).create_tables().await.unwrap();
    }
    (a, b, cluster)
}
