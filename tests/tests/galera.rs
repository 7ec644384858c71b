//! Shards that are Galera clusters, on real 3-node clusters on loopback: a node list that
//! is not one cluster is refused at build, the writer moves when it is lost, and no
//! accepted save is lost.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::cluster::{GaleraSpec, Topology};
use playerbot_db::{Db, Error};
use playerbot_db_embedded::{EmbeddedGalera, EmbeddedServer};
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::galera::{cluster_with_game, flags_on_node, galera_builder, game_urls};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_list_that_is_not_one_cluster_is_refused_naming_the_node() {
    let cluster = cluster_with_game().await;
    // A plain server: wsrep off.
    let plain = EmbeddedServer::start().await.unwrap();
    let mut urls = game_urls(&cluster, &[0, 1]);
    urls.push(plain.url());
    let err = Db::cluster(Topology::galera(GaleraSpec::new(urls)))
        .build()
        .await
        .unwrap_err();
    match &err {
        Error::GaleraNode { node, problem } => {
            assert!(node.contains(&plain.port().to_string()), "{err}");
            assert!(
                problem.contains("wsrep is off") || problem.contains("wsrep off"),
                "{err}"
            );
        }
        other => panic!("expected GaleraNode, got {other:?}"),
    }
    assert!(
        !err.to_string().contains(&plain.url()),
        "no password in {err}"
    );

    // A node of another cluster (one of its own): the same history, other members.
    let other = EmbeddedGalera::start(1).await.unwrap();
    let mut urls = game_urls(&cluster, &[0, 1, 2]);
    urls.push(other.urls()[0].clone());
    let err = Db::cluster(Topology::galera(GaleraSpec::new(urls)))
        .build()
        .await
        .unwrap_err();
    match &err {
        Error::GaleraNode { node, problem } => {
            assert!(node.contains(&other.node(0).port().to_string()), "{err}");
            assert!(problem.contains("not in the same cluster"), "{err}");
        }
        other => panic!("expected GaleraNode, got {other:?}"),
    }

    // Two nodes, not marked as meant.
    let err = Db::cluster(Topology::galera(GaleraSpec::new(game_urls(
        &cluster,
        &[0, 1],
    ))))
    .build()
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Topology(_)), "{err:?}");

    // An append_only entity (no primary key): Galera cannot replicate its deletes.
    let err = Db::cluster(Topology::galera(GaleraSpec::new(game_urls(
        &cluster,
        &[0, 1, 2],
    ))))
    .register::<playerbot_db_tests::adopted::PlayerbotsDbStore>()
    .build()
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::AppendOnlyOnGalera {
                entity: "PlayerbotsDbStore"
            }
        ),
        "{err:?}"
    );

    // A node that cannot be reached: the shard starts with the others and reports it.
    let mut urls = game_urls(&cluster, &[0, 1, 2]);
    urls.push("mysql://root:x@127.0.0.1:1/game".into());
    let db = Db::cluster(Topology::galera(GaleraSpec::new(urls)))
        .register::<BotState>()
        .build()
        .await
        .unwrap();
    db.create_tables().await.unwrap();
    db.save(&bot_state(1)).await.unwrap();
    let (_, nodes) = &db.galera_health()[0];
    assert_eq!(nodes.len(), 4);
    assert!(nodes[0].writer && nodes[0].usable(), "{nodes:?}");
    assert!(!nodes[3].reachable && nodes[3].error.is_some(), "{nodes:?}");
    db.close().await;
}

/// Saves every bot's state through the queue, round after round (`flags` = the round), and
/// keeps the model of what was accepted, until `stop`.
async fn keep_saving(db: Db, bots: u32, stop: Instant) -> HashMap<u32, u32> {
    let mut accepted = HashMap::new();
    let mut round = 1;
    while Instant::now() < stop {
        for bot_id in 0..bots {
            let mut state = bot_state(bot_id);
            state.flags = round;
            if db.save_deferred(&state).await.is_ok() {
                accepted.insert(bot_id, round);
            }
        }
        round += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    accepted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_killed_under_write_behind_load_loses_nothing_and_rejoins() {
    let mut cluster = cluster_with_game().await;
    let db = galera_builder(&cluster, &[0, 1, 2]).build().await.unwrap();
    db.create_tables().await.unwrap();
    let bots = 5_000;
    let saving = tokio::spawn(keep_saving(
        db.clone(),
        bots,
        Instant::now() + Duration::from_secs(5),
    ));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(db.galera_health()[0].1[0].writer);
    let killed = Instant::now();
    cluster.node_mut(0).kill();
    // When the writer moved, and when a direct save went through again.
    let mut moved = None;
    loop {
        if moved.is_none() && !db.galera_health()[0].1[0].writer {
            moved = Some(killed.elapsed());
        }
        if moved.is_some() && db.save(&bot_state(bots + 1)).await.is_ok() {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "no failover: {:?}",
            db.galera_health()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eprintln!(
        "writer moved {:?} after the kill; writes flowed again after {:?}",
        moved.unwrap(),
        killed.elapsed()
    );
    let accepted = saving.await.unwrap();
    assert_eq!(accepted.len(), bots as usize);
    db.flush()
        .await
        .expect("every accepted save flushes to the new writer");
    assert!(db.galera_failovers() >= 1);
    let urls = game_urls(&cluster, &[0, 1, 2]);
    for node in [1, 2] {
        let rows = flags_on_node(&urls[node]).await;
        let wrong: Vec<_> = accepted
            .iter()
            .filter(|(bot, flags)| rows.get(bot) != Some(flags))
            .take(5)
            .collect();
        assert!(
            wrong.is_empty(),
            "node {node} lacks accepted saves, e.g. {wrong:?}"
        );
    }
    cluster.restart(0).await.expect("the killed node rejoins");
    let rows = flags_on_node(&urls[0]).await;
    assert!(
        accepted
            .iter()
            .all(|(bot, flags)| rows.get(bot) == Some(flags)),
        "the rejoined node differs"
    );
    // Back in rotation: synced in the monitor's eyes, though not the writer again.
    let back = Instant::now();
    while !db.galera_health()[0].1[0].usable() {
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "{:?}",
            db.galera_health()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!db.galera_health()[0].1[0].writer);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrators_racing_on_different_nodes_apply_each_migration_once() {
    use playerbot_db::migrate::{Migration, Migrator};
    let cluster = cluster_with_game().await;
    let migrations = || {
        Migrator::new(vec![
            Migration::new("0001_first", "CREATE TABLE t1 (id INT PRIMARY KEY)"),
            Migration::new("0002_second", "INSERT INTO t1 VALUES (1), (2)"),
        ])
        .unwrap()
    };
    let a = galera_builder(&cluster, &[0, 1, 2]).build().await.unwrap();
    let b = galera_builder(&cluster, &[1, 2, 0]).build().await.unwrap();
    let (ma, mb) = (migrations(), migrations());
    let (ra, rb) = tokio::join!(ma.run(&a), mb.run(&b));
    let (ra, rb) = (ra.expect("first migrator"), rb.expect("second migrator"));
    eprintln!("{ra:?}\n{rb:?}");
    let urls = game_urls(&cluster, &[0, 1, 2]);
    let mut conn = playerbot_db::mysql_async::Conn::new(
        playerbot_db_embedded::connect_opts(&urls[2], None).unwrap(),
    )
    .await
    .unwrap();
    use playerbot_db::mysql_async::prelude::Queryable;
    conn.query_drop("SET SESSION wsrep_sync_wait = 1")
        .await
        .unwrap();
    let rows: Vec<u32> = conn.query("SELECT id FROM t1 ORDER BY id").await.unwrap();
    assert_eq!(rows, vec![1, 2], "each migration applied once");
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_writer_is_left_within_the_bound_and_not_taken_back_when_it_wakes() {
    let mut cluster = cluster_with_game().await;
    let db = galera_builder(&cluster, &[0, 1, 2]).build().await.unwrap();
    db.create_tables().await.unwrap();
    db.save(&bot_state(1)).await.unwrap();
    cluster.node_mut(0).pause().await.unwrap();
    let stopped = Instant::now();
    // Every call ends within its own timeouts (statement 3 s, connect 1 s, retries).
    let mut longest = Duration::ZERO;
    let mut round = 0;
    loop {
        round += 1;
        let mut state = bot_state(1);
        state.flags = round;
        let started = Instant::now();
        let saved = db.save(&state).await;
        longest = longest.max(started.elapsed());
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "a call waited {:?}",
            started.elapsed()
        );
        if saved.is_ok() && !db.galera_health()[0].1[0].writer {
            break;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(30),
            "no failover: {:?}",
            db.galera_health()
        );
    }
    eprintln!(
        "writes flowed again {:?} after SIGSTOP; the longest call took {longest:?}",
        stopped.elapsed()
    );
    let writer = db.galera_health()[0]
        .1
        .iter()
        .position(|node| node.writer)
        .unwrap();
    cluster.node_mut(0).resume().await.unwrap();
    cluster.wait_rejoined(0).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        db.galera_health()[0].1[0].usable(),
        "{:?}",
        db.galera_health()
    );
    assert!(
        db.galera_health()[0].1[writer].writer,
        "the writer stays where it moved"
    );
    let mut state = bot_state(1);
    state.flags = 99_999;
    db.save(&state).await.unwrap();
    let urls = game_urls(&cluster, &[0, 1, 2]);
    for url in &urls {
        assert_eq!(flags_on_node(url).await.get(&1), Some(&99_999));
    }
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_primary_component_calls_fail_typed_and_deferred_saves_wait() {
    let mut cluster = cluster_with_game().await;
    let db = galera_builder(&cluster, &[0, 1, 2]).build().await.unwrap();
    db.create_tables().await.unwrap();
    cluster.node_mut(1).pause().await.unwrap();
    cluster.node_mut(2).pause().await.unwrap();
    // Node 0 alone is a minority: once it notices, it refuses (1047).
    let alone = Instant::now();
    let err = loop {
        match db.save(&bot_state(7)).await {
            Err(err) => break err,
            Ok(()) => {
                assert!(
                    alone.elapsed() < Duration::from_secs(20),
                    "node 0 kept taking writes alone"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    assert!(err.is_retryable(), "{err:?}");
    let mut accepted = HashMap::new();
    for bot_id in 100..200 {
        let mut state = bot_state(bot_id);
        state.flags = 5;
        db.save_deferred(&state).await.unwrap();
        accepted.insert(bot_id, 5);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        db.write_behind_stats().depth >= 100,
        "{:?}",
        db.write_behind_stats()
    );
    cluster.node_mut(1).resume().await.unwrap();
    cluster.node_mut(2).resume().await.unwrap();
    for node in 0..3 {
        cluster.wait_rejoined(node).await.unwrap();
    }
    db.flush()
        .await
        .expect("the queue lands once a primary component is back");
    let rows = flags_on_node(&game_urls(&cluster, &[1])[0]).await;
    assert!(accepted
        .iter()
        .all(|(bot, flags)| rows.get(bot) == Some(flags)));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_on_two_nodes_conflict_and_are_retried_never_mixing_a_row() {
    let cluster = cluster_with_game().await;
    // Two processes' worth, each writing through a different node, both rewriting the same
    // 50 rows as fast as they can: the worst case, so a retry budget above the default 3.
    let a = galera_builder(&cluster, &[0, 1, 2])
        .max_retries(10)
        .build()
        .await
        .unwrap();
    let b = galera_builder(&cluster, &[1, 2, 0])
        .max_retries(10)
        .build()
        .await
        .unwrap();
    a.create_tables().await.unwrap();
    let write = |db: Db, mark: u32| async move {
        for round in 0..40u32 {
            let rows: Vec<BotState> = (0..50)
                .map(|bot_id| {
                    let mut state = bot_state(bot_id);
                    // Every column of a row says which writer wrote it.
                    state.flags = mark;
                    state.health = mark * 1000 + round;
                    state.mana = mark;
                    state
                })
                .collect();
            db.save_all(&rows).await.expect("conflicts are retried");
        }
    };
    tokio::join!(write(a.clone(), 1), write(b.clone(), 2));
    let url = &game_urls(&cluster, &[2])[0];
    let mut conn = playerbot_db::mysql_async::Conn::new(
        playerbot_db_embedded::connect_opts(url, None).unwrap(),
    )
    .await
    .unwrap();
    use playerbot_db::mysql_async::prelude::Queryable;
    conn.query_drop("SET SESSION wsrep_sync_wait = 1")
        .await
        .unwrap();
    let rows: Vec<(u32, u32, u32, u32)> = conn
        .query("SELECT bot_id, flags, health DIV 1000, mana FROM game.bot_state")
        .await
        .unwrap();
    assert_eq!(rows.len(), 50);
    for (bot_id, flags, health_mark, mana) in rows {
        assert!(
            flags == health_mark && flags == mana && (flags == 1 || flags == 2),
            "bot {bot_id} mixes writers: {flags} {health_mark} {mana}"
        );
    }
    let conflicts: u64 = [a.stats().retries, b.stats().retries].iter().sum();
    eprintln!("retries (certification conflicts and deadlocks): {conflicts}");
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_dropped_at_random_points_during_a_failover_leave_nothing_behind() {
    let mut cluster = cluster_with_game().await;
    let db = galera_builder(&cluster, &[0, 1, 2]).build().await.unwrap();
    db.create_tables().await.unwrap();
    let stop = Instant::now() + Duration::from_secs(5);
    let mut tasks = Vec::new();
    for task in 0..8u32 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut seed = 0x9e37_79b9_u32.wrapping_mul(task + 1);
            let mut next = move || {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed
            };
            let (mut finished, mut dropped) = (0u32, 0u32);
            while Instant::now() < stop {
                let bot_id = next() % 100;
                let limit = Duration::from_micros(u64::from(next() % 20_000));
                let call = async {
                    match next() % 3 {
                        0 => db.save(&bot_state(bot_id)).await.map(drop),
                        1 => db.load::<BotState>(&bot_id).await.map(drop),
                        _ => {
                            let mut tx = db.begin().await?;
                            tx.save(&bot_state(bot_id)).await?;
                            tx.commit().await
                        }
                    }
                };
                match tokio::time::timeout(limit, call).await {
                    Ok(_) => finished += 1,
                    Err(_) => dropped += 1,
                }
            }
            (finished, dropped)
        }));
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    cluster.node_mut(0).kill();
    let mut totals = (0, 0);
    for task in tasks {
        let (finished, dropped) = task.await.unwrap();
        totals = (totals.0 + finished, totals.1 + dropped);
    }
    eprintln!("calls finished {}, dropped {}", totals.0, totals.1);
    assert!(totals.1 > 0 && totals.0 > 0);
    assert!(db.galera_failovers() >= 1);
    // Nothing inherited: a transaction rolled back leaves the row as it was, connections
    // come back, and every call works on the new writer.
    let mut state = bot_state(500);
    db.save(&state).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    state.flags = 77;
    tx.save(&state).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(db.load::<BotState>(&500).await.unwrap().unwrap().flags, 0);
    let settled = Instant::now();
    while db.stats().in_use > 0 {
        assert!(
            settled.elapsed() < Duration::from_secs(10),
            "{:?}",
            db.stats()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_asked_of_a_replica_go_to_another_node_and_see_the_writers_commits() {
    use playerbot_db::cluster::{ClusterPolicy, ReadFrom};
    let cluster = cluster_with_game().await;
    let db = galera_builder(&cluster, &[0, 1, 2])
        .cache::<BotState>(None)
        .policy(ClusterPolicy {
            default_read: ReadFrom::Replica,
            galera_check_every: Duration::from_millis(100),
            ..ClusterPolicy::default()
        })
        .build()
        .await
        .unwrap();
    db.create_tables().await.unwrap();
    // Wait for a round of checks that saw the other nodes synced.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for round in 1..=200u32 {
        let mut state = bot_state(3);
        state.flags = round;
        db.save(&state).await.unwrap();
        // Written on node 0, read on node 1 or 2 at once: causal reads wait for it.
        let read = db.load::<BotState>(&3).await.unwrap().unwrap();
        assert_eq!(
            read.flags, round,
            "a read on another node missed the write just made"
        );
    }
    let reads = db.read_stats();
    assert_eq!(reads.replica_reads, 200, "{reads:?}");
    assert_eq!(reads.fallbacks, 0, "{reads:?}");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_saves_and_flushes_stay_within_the_nodes_write_set_rows() {
    use playerbot_db::ErrorKind;
    use playerbot_db_tests::galera::run_on;
    let cluster = cluster_with_game().await;
    for url in cluster.urls() {
        run_on(&url, "SET GLOBAL wsrep_max_ws_rows = 100").await;
    }
    let db = galera_builder(&cluster, &[0, 1, 2]).build().await.unwrap();
    db.create_tables().await.unwrap();
    let rows: Vec<BotState> = (0..500).map(bot_state).collect();
    // One transaction of 500 rows would be refused by the node: the caller is told first.
    let err = db.save_all(&rows).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err:?}");
    assert!(err.to_string().contains("wsrep_max_ws_rows"), "{err}");
    db.save_all(&rows[..100]).await.unwrap();
    // The queue flushes 500 rows in transactions of at most 100.
    for mut state in rows.iter().cloned() {
        state.flags = 9;
        db.save_deferred(&state).await.unwrap();
    }
    db.flush().await.expect("the flush fits the bound");
    let held = flags_on_node(&game_urls(&cluster, &[2])[0]).await;
    assert_eq!(held.len(), 500);
    assert!(held.values().all(|&flags| flags == 9));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_saves_and_flushes_stay_within_the_nodes_write_set_bytes() {
    use playerbot_db::ErrorKind;
    use playerbot_db_tests::galera::run_on;
    let cluster = cluster_with_game().await;
    // 64 KiB: a few hundred bot states' row images.
    for url in cluster.urls() {
        run_on(&url, "SET GLOBAL wsrep_max_ws_size = 65536").await;
    }
    let db = galera_builder(&cluster, &[0, 1, 2]).build().await.unwrap();
    db.create_tables().await.unwrap();
    let rows: Vec<BotState> = (0..2_000).map(bot_state).collect();
    // The node would refuse this transaction at commit: the caller is told first, and
    // nothing is written.
    let err = db.save_all(&rows).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err:?}");
    assert!(err.to_string().contains("wsrep_max_ws_size"), "{err}");
    assert!(flags_on_node(&game_urls(&cluster, &[1])[0])
        .await
        .is_empty());
    // The queue flushes them all, in transactions the node accepts.
    for mut state in rows.iter().cloned() {
        state.flags = 7;
        db.save_deferred(&state).await.unwrap();
    }
    tokio::time::timeout(Duration::from_secs(60), db.flush())
        .await
        .expect("the flush ends")
        .expect("the flush fits the bound");
    let held = flags_on_node(&game_urls(&cluster, &[2])[0]).await;
    assert_eq!(held.len(), 2_000);
    assert!(held.values().all(|&flags| flags == 7));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_maintenance_runs_while_writers_write() {
    let cluster = cluster_with_game().await;
    let db = galera_builder(&cluster, &[0, 1, 2]).build().await.unwrap();
    db.create_tables().await.unwrap();
    let stop = Instant::now() + Duration::from_millis(1_500);
    let writers: Vec<_> = (0..4u32)
        .map(|writer| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut saved = 0u32;
                while Instant::now() < stop {
                    // Bot ids climb past the partitions the table starts with (8 × 10,000).
                    let bot_id = 75_000 + writer * 10_000 + saved;
                    db.save(&bot_state(bot_id))
                        .await
                        .expect("a save during maintenance");
                    saved += 1;
                }
                saved
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let added = db.ensure_partitions::<BotState>(50_000).await.unwrap();
    let took = started.elapsed();
    let mut saved = 0;
    for writer in writers {
        saved += writer.await.unwrap();
    }
    eprintln!("ensure_partitions added {} partitions in {took:?} (DDL in total order on 3 nodes) while {saved} saves ran", added.len());
    assert!(!added.is_empty());
    // Every node has the new partitions (DDL is applied everywhere) and every row.
    let urls = game_urls(&cluster, &[0, 1, 2]);
    for url in &urls {
        assert_eq!(flags_on_node(url).await.len() as u32, saved, "{url}");
    }
    db.close().await;
}
