//! Several processes on one shard map: a move made by one holds and reroutes the others'
//! writes through the map shared on shard 0. Each `Db::cluster(…).build()` here is a process of its
//! own as far as the map knows (its own member, its own follower), on real servers.

use std::collections::HashMap;
use std::time::Duration;

use playerbot_db::bots::BotState;
use playerbot_db::cluster::{ClusterPolicy, MoveError, MoveState, Topology};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::Db;
use playerbot_db::Error;
use playerbot_db_embedded::connect_opts;
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_tests::fixtures::{bot_state, events_of};
use playerbot_db_tests::servers::{
    check_placed, eventually, flags_on, move_entities, number_on, run_on, two_servers, Writers,
};

async fn process(topology: &Topology, policy: ClusterPolicy) -> Db {
    move_entities(Db::cluster(topology.clone()).policy(policy))
        .build()
        .await
        .expect("cluster")
}

/// The first process: it creates the tables on both shards and saves bots 0..1000.
async fn first_process(topology: &Topology, policy: ClusterPolicy) -> Db {
    let cluster = process(topology, policy).await;
    for shard in 0..2 {
        cluster.primary(shard).create_tables().await.unwrap();
    }
    let bots: Vec<BotState> = (0..1_000).map(bot_state).collect();
    cluster.save_all(&bots).await.unwrap();
    cluster
}

/// Stops `writers`, flushes `game`, and checks that bots 500..600 moved from the first
/// server to the second with every accepted write; what each bot's last write was.
async fn check_nothing_lost(
    game: &Db,
    writers: Writers,
    servers: (&EmbeddedServer, &EmbeddedServer),
) -> HashMap<u32, u32> {
    let last = writers.stop().await;
    game.flush().await.unwrap();
    check_placed(&last, 500..600, servers).await;
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_run_by_another_process_holds_and_reroutes_this_ones_writes() {
    let (a, b, topology) = two_servers().await;
    let game = first_process(&topology, ClusterPolicy::default()).await;

    // The game saves bots 400..700 the whole time, directly and through its write-behind
    // queue; the mover is another process that writes nothing itself.
    let writers = Writers::start(&game, 400..700, 2);
    let mover = process(&topology, ClusterPolicy::default()).await;
    let followers = mover.shared_map().await.unwrap().unwrap().followers;
    assert_eq!(followers.len(), 2, "{followers:?}");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let report = mover.move_range(500..600, 1).await.expect("move");
    assert_eq!(
        report.copied,
        [("bot_state", 100), ("bot_event", 0)],
        "{report:?}"
    );
    // The move returned only once the game routed by the new map.
    let expected = vec![
        (0..500, 0),
        (500..600, 1),
        (600..1_000, 0),
        (1_000..u64::MAX, 1),
    ];
    assert_eq!(game.routes(), expected);
    assert_eq!(mover.routes(), expected);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let last = check_nothing_lost(&game, writers, (&a, &b)).await;
    // A process started after the move routes by the shared map, not its topology's ranges.
    let late = process(&topology, ClusterPolicy::default()).await;
    assert_eq!(late.routes(), expected);
    assert_eq!(
        late.load::<BotState>(&550).await.unwrap().map(|b| b.flags),
        last.get(&550).copied()
    );
    for cluster in [late, mover, game] {
        cluster.close().await;
    }
    // Each left the map as it closed.
    assert_eq!(
        number_on(&a, "SELECT COUNT(*) FROM game.playerbot_db_cluster_members").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_process_stops_a_move_and_a_dead_one_does_not() {
    let (a, _b, topology) = two_servers().await;
    let policy = ClusterPolicy {
        silent_after: Duration::from_millis(600),
        ..ClusterPolicy::default()
    };
    let mover = first_process(&topology, policy).await;
    // A stalled process (stopped by SIGSTOP, say): listed, silent, and its process lock held,
    // since its connection is open. It may still write on routes it cannot update.
    let mut stalled = Conn::new(connect_opts(&a.url(), Some("game")).unwrap())
        .await
        .unwrap();
    stalled
        .query_drop(
            "INSERT INTO playerbot_db_cluster_members \
             (member_id, name, seen_at, held_epoch, routes_version) \
             VALUES (999, 'pid 999 (stalled)', CURRENT_TIMESTAMP(6) - INTERVAL 5 SECOND, 0, 0)",
        )
        .await
        .unwrap();
    let locked: Option<i64> = stalled
        .query_first("SELECT GET_LOCK('playerbot_db_member.999', 0)")
        .await
        .unwrap();
    assert_eq!(locked, Some(1));
    let err = mover.move_range(500..600, 1).await.unwrap_err();
    assert!(
        matches!(err, Error::Move(MoveError::SilentProcess { .. })),
        "{err:?}"
    );
    // Nothing moved, nothing is held.
    assert_eq!(mover.shard_of_id(550), 0);
    assert_eq!(mover.held_range(), None);
    assert!(mover.shared_map().await.unwrap().unwrap().held.is_none());
    // It dies: its connection goes, and its lock with it. The move goes ahead at once, with
    // no wait for `forget_after` (60 s).
    stalled.disconnect().await.unwrap();
    let report = mover.move_range(500..600, 1).await.expect("move");
    assert_eq!(report.copied, [("bot_state", 100), ("bot_event", 0)]);
    // A process that stops without leaving (as a crash would) stops no move either, once it
    // has been silent for `silent_after`.
    let crashed = process(&topology, policy).await;
    drop(crashed);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let report = mover.move_range(600..700, 1).await.expect("move");
    assert_eq!(report.copied, [("bot_state", 100), ("bot_event", 0)]);
    mover.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_movers_hold_is_let_go_of_and_a_rollback_or_a_rerun_settles_its_copy() {
    let (a, b, topology) = two_servers().await;
    let policy = ClusterPolicy {
        move_wait: Duration::from_millis(500),
        ..ClusterPolicy::default()
    };
    let game = first_process(&topology, policy).await;
    // What a mover that died during its copy leaves: its hold in the shared map (its
    // process no longer listed, its process lock free), its journal entry at "copying",
    // part of the range on the target.
    let die_while_copying = async |token: u64| {
        run_on(
            &a,
            &format!(
                "UPDATE game.playerbot_db_shard_control SET hold_first = 500, hold_end = 600, \
                 hold_epoch = hold_epoch + 1, hold_token = {token}, hold_member = 777"
            ),
        )
        .await;
        // The journal, as any move makes it.
        game.open_moves().await.unwrap();
        run_on(
            &a,
            &format!(
                "INSERT INTO game.playerbot_db_range_moves \
                 (token, first_id, end_id, from_shard, to_shard, state, mover) \
                 VALUES ({token}, 500, 600, 0, 1, 'copying', 'pid 1 (dead)')"
            ),
        )
        .await;
        for bot_id in 500..520 {
            game.primary(1).save(&bot_state(bot_id)).await.unwrap();
        }
    };
    die_while_copying(42).await;
    // The game lets go of a hold nobody will switch: writes go on to the source, and the
    // journal says the move was abandoned.
    assert!(
        eventually(async || {
            number_on(
                &a,
                "SELECT COUNT(*) FROM game.playerbot_db_shard_control WHERE hold_token IS NULL",
            )
            .await
                == 1
        })
        .await,
        "the dead mover's hold stayed"
    );
    let saved = BotState {
        flags: 6,
        ..bot_state(550)
    };
    game.save(&saved).await.unwrap();
    assert_eq!(flags_on(&a, "550 AND 550").await.get(&550), Some(&6));
    let open = game.open_moves().await.unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].state, MoveState::Abandoned);

    // An operator rolls it back from another process: the copy goes.
    let operator = process(&topology, policy).await;
    operator.rollback_move(500..600, 1).await.unwrap();
    operator.close().await;
    assert!(
        flags_on(&b, "500 AND 599").await.is_empty(),
        "the copy stayed"
    );
    assert!(game.open_moves().await.unwrap().is_empty());

    // The same again, and this time the move is run again: it deletes the dead one's copy,
    // moves the range, and the game routes to the target.
    die_while_copying(43).await;
    let operator = process(&topology, policy).await;
    let report = operator.move_range(500..600, 1).await.expect("rerun");
    assert_eq!(report.copied, [("bot_state", 100), ("bot_event", 0)]);
    assert_eq!(report.settled.len(), 1, "{report:?}");
    operator.close().await;
    assert!(
        eventually(async || game.shard_of_id(550) == 1).await,
        "the game never took in the routes"
    );
    assert_eq!(game.held_range(), None);
    game.save(&BotState {
        flags: 8,
        ..bot_state(550)
    })
    .await
    .unwrap();
    assert_eq!(flags_on(&b, "550 AND 550").await.get(&550), Some(&8));
    assert!(flags_on(&a, "500 AND 599").await.is_empty());
    game.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_dropped_at_random_points_in_another_process_lose_no_write() {
    let (a, b, topology) = two_servers().await;
    let game = first_process(&topology, ClusterPolicy::default()).await;
    let writers = Writers::start(&game, 400..700, 2);
    // Each attempt is dropped after 0–250 ms: while it takes the hold, waits for the game's
    // answer, copies, or after its switch (then it completes in the background). The game
    // routes the range to one shard or the other, never half, and is never left held.
    let mover = process(&topology, ClusterPolicy::default()).await;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..10 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let deadline = Duration::from_millis(seed % 250);
        let _ = tokio::time::timeout(deadline, mover.move_range(500..600, 1)).await;
        if mover.shard_of_id(550) == 1 {
            break;
        }
    }
    mover
        .move_range(500..600, 1)
        .await
        .expect("the last attempt");
    assert_eq!(game.shard_of_id(550), 1);
    assert!(
        eventually(async || game.held_range().is_none()).await,
        "the game was left holding the range"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A background completion may still be deleting the source's rows.
    assert!(
        eventually(async || flags_on(&a, "500 AND 599").await.is_empty()).await,
        "rows left on the source"
    );
    check_nothing_lost(&game, writers, (&a, &b)).await;
    mover.close().await;
    game.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_move_cannot_be_rolled_back_from_another_process() {
    let (_a, _b, topology) = two_servers().await;
    let mover = first_process(&topology, ClusterPolicy::default()).await;
    // Enough rows in the range that the copy takes a while.
    let events = events_of(500..600, 200);
    mover.save_all(&events).await.unwrap();
    let operator = process(&topology, ClusterPolicy::default()).await;
    let moving = {
        let mover = mover.clone();
        tokio::spawn(async move { mover.move_range(500..600, 1).await })
    };
    let mut refused = None;
    for _ in 0..2_000 {
        let held = operator.shared_map().await.unwrap().unwrap().held;
        if held.is_some() {
            refused = Some(operator.rollback_move(500..600, 1).await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let report = moving.await.unwrap().expect("the move");
    let refused = refused.unwrap_or_else(|| panic!("never saw the hold ({report:?})"));
    assert!(
        matches!(refused, Err(Error::Move(MoveError::StillMoving { .. }))),
        "{refused:?}"
    );
    // The move was not cut into: it finished, and the operator follows its routes.
    assert_eq!(report.copied, [("bot_state", 100), ("bot_event", 20_000)]);
    assert_eq!(operator.shard_of_id(550), 1);
    operator.close().await;
    mover.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_refused_as_busy_leaves_another_processs_hold_in_place() {
    let (a, b, topology) = two_servers().await;
    let game = first_process(&topology, ClusterPolicy::default()).await;
    // Enough rows in the moved range that the other process's copy takes a while.
    let events = events_of(500..600, 200);
    game.save_all(&events).await.unwrap();
    let writers = Writers::start(&game, 400..700, 2);
    let mover = process(&topology, ClusterPolicy::default()).await;
    let moving = {
        let mover = mover.clone();
        tokio::spawn(async move { mover.move_range(500..600, 1).await })
    };
    assert!(
        eventually(async || game.held_range() == Some(500..600)).await,
        "the game never took in the hold"
    );
    // The game tries a move of its own meanwhile: refused, and the other process's hold
    // stays in force here (writes to its range still wait).
    let err = game.move_range(100..200, 1).await.unwrap_err();
    let report = if matches!(err, Error::Move(MoveError::Busy { .. })) {
        assert_eq!(game.held_range(), Some(500..600));
        let bot = bot_state(550);
        let write = game.save(&bot);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), write)
                .await
                .is_err(),
            "a write to the held range went through"
        );
        moving.await.unwrap().expect("the other process's move")
    } else {
        // The other move had already switched: nothing to check here, say so.
        let report = moving.await.unwrap();
        panic!("the game's move was not refused as busy: {err:?} (other move: {report:?})");
    };
    assert_eq!(report.copied, [("bot_state", 100), ("bot_event", 20_000)]);
    tokio::time::sleep(Duration::from_millis(100)).await;
    check_nothing_lost(&game, writers, (&a, &b)).await;
    mover.close().await;
    game.close().await;
}

/// Found from outside: with the mover stopped (SIGSTOP) just after it took its hold, the
/// game's `save_deferred` for bots of the range blocked for `move_wait` and then failed.
/// A deferred write never waits on a move nor is refused because of one: it is kept aside,
/// loads see it, and it is queued on whichever shard the range is on once the hold goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_writes_never_wait_on_a_move_and_land_where_the_range_ends_up() {
    let (a, _b, topology) = two_servers().await;
    let policy = ClusterPolicy {
        move_wait: Duration::from_secs(30),
        silent_after: Duration::from_millis(600),
        ..ClusterPolicy::default()
    };
    let game = first_process(&topology, policy).await;
    // A stalled mover: it holds 500..600, is listed and silent, and its process lock is
    // held (its connection is open), so it is not taken for dead.
    let mut stalled = Conn::new(connect_opts(&a.url(), Some("game")).unwrap())
        .await
        .unwrap();
    for sql in [
        "INSERT INTO playerbot_db_cluster_members \
         (member_id, name, seen_at, held_epoch, routes_version) \
         VALUES (998, 'pid 998 (stalled mover)', CURRENT_TIMESTAMP(6) - INTERVAL 5 SECOND, 0, 0)",
        "UPDATE playerbot_db_shard_control SET hold_first = 500, hold_end = 600, \
         hold_epoch = hold_epoch + 1, hold_token = 55, hold_member = 998",
    ] {
        stalled.query_drop(sql).await.unwrap();
    }
    let locked: Option<i64> = stalled
        .query_first("SELECT GET_LOCK('playerbot_db_member.998', 0)")
        .await
        .unwrap();
    assert_eq!(locked, Some(1));
    assert!(
        eventually(async || game.held_range() == Some(500..600)).await,
        "the game never took in the hold"
    );

    // Accepted at once while the range is held (a stuck call fails the test after 20 s,
    // long before the 30 s a held direct write would wait).
    let saved = BotState {
        flags: 9,
        ..bot_state(550)
    };
    let accept = async {
        game.save_deferred(&saved).await.unwrap();
        game.delete_deferred::<BotState>(&551).await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(20), accept)
        .await
        .expect("a deferred write waited on the move");
    assert_eq!(game.held_range(), Some(500..600), "still held meanwhile");
    // Loads see them, as they see queued writes.
    assert_eq!(game.load::<BotState>(&550).await.unwrap(), Some(saved));
    assert_eq!(game.load::<BotState>(&551).await.unwrap(), None);
    let many = game.load_many::<BotState>(&[550, 551, 552]).await.unwrap();
    assert_eq!(many[0].as_ref().map(|b| b.flags), Some(9));
    assert!(many[1].is_none());
    // Nothing reached the source while held.
    assert_ne!(flags_on(&a, "550 AND 550").await.get(&550), Some(&9));

    // A process that closes while the range is held loses none of its kept writes: after
    // `move_wait` they go to the shard the routes name, and its queues drain.
    let closing = process(
        &topology,
        ClusterPolicy {
            move_wait: Duration::from_millis(300),
            ..policy
        },
    )
    .await;
    assert!(
        eventually(async || closing.held_range() == Some(500..600)).await,
        "the closing process never took in the hold"
    );
    let kept = BotState {
        flags: 4,
        ..bot_state(560)
    };
    closing.save_deferred(&kept).await.unwrap();
    closing.close().await;
    assert_eq!(flags_on(&a, "560 AND 560").await.get(&560), Some(&4));

    // The mover dies: the game lets go of its hold, and the kept writes go to the source,
    // where the range still is.
    stalled.disconnect().await.unwrap();
    assert!(
        eventually(async || game.held_range().is_none()).await,
        "the dead mover's hold stayed"
    );
    tokio::time::timeout(Duration::from_secs(20), game.flush())
        .await
        .expect("the kept writes were flushed")
        .unwrap();
    assert_eq!(flags_on(&a, "550 AND 550").await.get(&550), Some(&9));
    assert!(flags_on(&a, "551 AND 551").await.is_empty());
    game.close().await;
}
