//! A range move whose shard-map home (shard 0) dies during the copy, so that the switch meets
//! it dead: the mover keeps the range held and retries until the home is back, and no write
//! is lost.
//! Three real servers: the home, the source and the target, so the copy runs while the home
//! is down.

use std::time::Duration;

use playerbot_db::cluster::{ClusterPolicy, Topology};
use playerbot_db::Db;
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_tests::fixtures::{bot_state, events_of};
use playerbot_db_tests::servers::{
    check_placed, eventually, game_url, move_entities, number_on, run_on, Writers,
};

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
    // Held writes wait out the home's restart instead of failing; the mover is not taken
    // for dead while the home (where everyone is heard from) is away.
    let policy = ClusterPolicy {
        move_wait: Duration::from_secs(30),
        silent_after: Duration::from_secs(30),
        ..ClusterPolicy::default()
    };
    let game = move_entities(Db::cluster(topology.clone()).policy(policy))
        .build()
        .await
        .unwrap();
    for shard in 0..3 {
        game.primary(shard).create_tables().await.unwrap();
    }
    game.save_all(&(1_000..2_000).map(bot_state).collect::<Vec<_>>())
        .await
        .unwrap();
    // Enough rows in the range that the copy takes a while.
    let events = events_of(1_500..1_600, 200);
    game.save_all(&events).await.unwrap();

    let writers = Writers::start(&game, 1_400..1_700, 2);
    let mover = move_entities(Db::cluster(topology).policy(policy))
        .build()
        .await
        .unwrap();
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
    // The copy finishes without the home; the switch (on the home) then waits for it.
    assert!(
        eventually(async || {
            number_on(
                &target,
                "SELECT COUNT(*) FROM game.bot_event WHERE bot_id BETWEEN 1500 AND 1599",
            )
            .await
                == 20_000
        })
        .await,
        "the copy never finished"
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
    let last = writers.stop().await;
    game.flush().await.unwrap();
    check_placed(&last, 1_500..1_600, (&source, &target)).await;
    mover.close().await;
    game.close().await;
}
