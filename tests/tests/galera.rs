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
