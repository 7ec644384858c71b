//! A range move whose shard-map home (shard 0) dies between the copy and the switch: the
//! mover keeps the range held and retries until the home is back, and no write is lost.
//! Three real servers: the home, the source and the target, so the copy runs while the home
//! is down.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use playerbot_db::bots::{BotEvent, BotState};
use playerbot_db::cluster::{Cluster, ClusterPolicy, Topology};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::session::connect_opts;
use playerbot_db::{DbBuilder, WriteBehindConfig};
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::servers::{eventually, game_url, number_on, run_on};

fn configure(builder: DbBuilder) -> DbBuilder {
    builder
        .register::<BotState>()
        .register::<BotEvent>()
        .write_behind(WriteBehindConfig {
            interval: Duration::from_millis(20),
            ..WriteBehindConfig::default()
        })
}

/// `(bot_id, flags)` of every bot_state row in `ids` on `server`.
async fn flags(server: &EmbeddedServer, ids: &str) -> HashMap<u32, u32> {
    let mut conn = Conn::new(connect_opts(&server.url(), None).unwrap())
        .await
        .expect("connect");
    let rows: Vec<(u32, u32)> = conn
        .query(format!(
            "SELECT bot_id, flags FROM game.bot_state WHERE bot_id BETWEEN {ids}"
        ))
        .await
        .unwrap();
    conn.disconnect().await.ok();
    rows.into_iter().collect()
}

async fn journal_state(server: &EmbeddedServer) -> Option<String> {
    let mut conn = Conn::new(connect_opts(&server.url(), None).unwrap())
        .await
        .ok()?;
    let state = conn
        .query_first("SELECT state FROM game.playerbot_db_shard_moves")
        .await
        .ok()
        .flatten();
    conn.disconnect().await.ok();
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_home_dying_at_the_switch_holds_the_range_until_it_is_back() {
    let (mut home, source, target) = (
        EmbeddedServer::start().await.expect("shard 0"),
        EmbeddedServer::start().await.expect("shard 1"),
        EmbeddedServer::start().await.expect("shard 2"),
    );
    for server in [&home, &source, &target] {
        run_on(server, "CREATE DATABASE game").await;
    }
    let topology = Topology::default()
        .shard(0..1_000, game_url(&home), Vec::<String>::new())
        .shard(1_000..2_000, game_url(&source), Vec::<String>::new())
        .shard(2_000..u64::MAX, game_url(&target), Vec::<String>::new());
    // Held writes wait out the home's restart instead of failing.
    let policy = ClusterPolicy {
        move_wait: Duration::from_secs(30),
        ..ClusterPolicy::default()
    };
    let game = Cluster::build(topology.clone(), policy, configure)
        .await
        .unwrap();
    for shard in 0..3 {
        game.primary(shard).create_tables().await.unwrap();
    }
    game.save_all(&(1_000..2_000).map(bot_state).collect::<Vec<_>>())
        .await
        .unwrap();
    // Enough rows in the range that the copy takes a while.
    let events: Vec<BotEvent> = (1_500..1_600u32)
        .flat_map(|bot_id| {
            (0..200).map(move |i| BotEvent {
                bot_id,
                event: format!("e{i}"),
                value: i64::from(i),
                expires_at: 1_800_000_000,
            })
        })
        .collect();
    game.save_all(&events).await.unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let last: Arc<Mutex<HashMap<u32, u32>>> = Arc::default();
    let writer = {
        let (game, stop, last) = (game.clone(), Arc::clone(&stop), Arc::clone(&last));
        tokio::spawn(async move {
            let mut round = 0u32;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                for bot_id in 1_400..1_700 {
                    let state = BotState {
                        flags: round,
                        ..bot_state(bot_id)
                    };
                    if bot_id % 2 == 0 {
                        game.save(&state).await
                    } else {
                        game.save_deferred(&state).await
                    }
                    .expect("a write while the map's home is down");
                    last.lock().unwrap().insert(bot_id, round);
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let mover = Cluster::build(topology, policy, configure).await.unwrap();
    let moving = {
        let mover = mover.clone();
        tokio::spawn(async move { mover.move_range(1_500..1_600, 2).await })
    };
    // Once rows reach the target the copy runs: the home goes down, and stays down until
    // the mover has recorded its switch (so the switch itself meets the dead home).
    assert!(
        eventually(async || {
            number_on(
                &target,
                "SELECT COUNT(*) FROM game.bot_event WHERE bot_id BETWEEN 1500 AND 1599",
            )
            .await
                > 0
        })
        .await,
        "the copy never started"
    );
    home.kill();
    assert!(
        eventually(async || journal_state(&target).await.as_deref() == Some("switched")).await,
        "the mover never reached its switch"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Still held everywhere, still routed to the source: nothing was let go early.
    assert_eq!(game.held_range(), Some(1_500..1_600));
    assert_eq!(game.shard_of_id(1_550), 1);
    home.restart().await.expect("restart the home");

    let report = moving
        .await
        .unwrap()
        .expect("the move, once the home is back");
    assert_eq!(report.copied, [("bot_state", 100), ("bot_event", 20_000)]);
    assert_eq!(game.shard_of_id(1_550), 2);
    assert!(
        eventually(async || game.held_range().is_none()).await,
        "the game still holds the range"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    game.flush().await.unwrap();
    let last = last.lock().unwrap().clone();
    assert!(flags(&source, "1500 AND 1599").await.is_empty());
    let (moved, stayed) = (
        flags(&target, "1500 AND 1599").await,
        flags(&source, "1400 AND 1699").await,
    );
    for (bot_id, flags) in &last {
        let found = if (1_500..1_600).contains(bot_id) {
            moved.get(bot_id)
        } else {
            stayed.get(bot_id)
        };
        assert_eq!(found, Some(flags), "bot {bot_id}");
    }
    mover.close().await;
    game.close().await;
}
