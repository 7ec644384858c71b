//! Real faults: a connection killed by the server, a server killed and restarted, and two
//! transactions that really deadlock.

use std::time::{Duration, Instant};

use playerbot_db::bots::BotEvent;
use playerbot_db::bots::BotState;
use playerbot_db::migrate::Migrator;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::Db;
use playerbot_db_embedded::connect_opts;
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::{private_game_db, query_number, TestDb};

#[tokio::test]
async fn a_killed_connection_is_replaced_and_the_next_call_succeeds() {
    let test = TestDb::new("killed_connection").await;
    let db = test.db_with(|b| b.max_connections(1)).await;
    db.save(&bot_state(1)).await.unwrap();
    let id = query_number(&db, "SELECT CONNECTION_ID()").await;
    let mut admin = test.conn().await;
    admin
        .query_drop(format!("KILL CONNECTION {id}"))
        .await
        .unwrap();

    // The pool's only connection is dead; the call notices, replaces it and goes on.
    assert_eq!(db.load::<BotState>(&1).await.unwrap(), Some(bot_state(1)));
    db.save(&BotState {
        health: 2,
        ..bot_state(1)
    })
    .await
    .unwrap();
    let stats = db.stats();
    assert_eq!(stats.connects, 2, "one replacement connection: {stats:?}");
    let new_id = query_number(&db, "SELECT CONNECTION_ID()").await;
    assert_ne!(new_id, id);
}

#[tokio::test]
async fn a_killed_server_gives_connection_errors_until_it_is_back() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    {
        let mut setup = Conn::new(connect_opts(&server.url(), None).unwrap())
            .await
            .unwrap();
        setup.query_drop("CREATE DATABASE fault").await.unwrap();
        setup.disconnect().await.unwrap();
    }
    let url = format!("{}fault", server.url());
    let db = Db::builder(url)
        .register::<BotState>()
        // Loads must reach the (killed) server, not the L1 cache.
        .cache::<BotState>(None)
        .max_connections(4)
        .max_retries(1)
        .max_reconnect_delay(Duration::from_millis(100))
        .build()
        .await
        .unwrap();
    db.create_tables().await.unwrap();
    db.save(&bot_state(1)).await.unwrap();

    server.kill();
    for _ in 0..3 {
        let err = db.load::<BotState>(&1).await.unwrap_err();
        assert!(err.is_connection_lost(), "{err:?}");
        let err = db.save(&bot_state(2)).await.unwrap_err();
        assert!(err.is_connection_lost() && err.is_retryable(), "{err:?}");
    }
    assert!(db.stats().connect_failures >= 1);

    server.restart().await.expect("restart");
    // Within the reconnect backoff (100 ms at most) the pool connects again.
    let deadline = Instant::now() + Duration::from_secs(10);
    let loaded = loop {
        match db.load::<BotState>(&1).await {
            Ok(loaded) => break loaded,
            Err(err) if err.is_connection_lost() && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(err) => panic!("no recovery after restart: {err}"),
        }
    };
    assert_eq!(
        loaded,
        Some(bot_state(1)),
        "data written before the crash is there"
    );
    db.save(&bot_state(2)).await.unwrap();
    assert!(db.exists::<BotState>(&2).await.unwrap());
}

/// Our batch saves A then B; another session holds B and then asks for A. InnoDB breaks the
/// cycle by rolling back the lighter transaction, which the other session makes sure is
/// ours by having written more rows. The batch is run again and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_deadlock_is_retried() {
    let test = TestDb::new("real_deadlock").await;
    let db = test.db_with(|b| b.max_retries(5)).await;
    for bot_id in 1..=200 {
        db.save(&bot_state(bot_id)).await.unwrap();
    }
    let mut other = test.conn().await;
    let other_id: u64 = other
        .query_first("SELECT CONNECTION_ID()")
        .await
        .unwrap()
        .unwrap();
    other.query_drop("START TRANSACTION").await.unwrap();
    // Heavy: 150 rows locked and changed, among them B (= 2).
    other
        .query_drop("UPDATE bot_state SET mana = mana + 1 WHERE bot_id BETWEEN 2 AND 151")
        .await
        .unwrap();

    let ours = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut batch = db.batch();
            batch
                .save(&BotState {
                    health: 7,
                    ..bot_state(1)
                })
                .save(&BotState {
                    health: 7,
                    ..bot_state(2)
                });
            batch.commit().await
        })
    };
    // Wait until our batch holds A and waits for B.
    let mut watcher = test.conn().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // Our transaction has changed A and is running its next statement (B, which blocks).
        // Only this test's database: other tests share the server and run at the same time.
        let waiting: Option<u64> = watcher
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX t \
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
                 WHERE p.DB = ? AND t.trx_mysql_thread_id <> ? AND t.trx_rows_modified >= 1 \
                 AND t.trx_query IS NOT NULL",
                (test.name(), other_id),
            )
            .await
            .unwrap();
        // MariaDB at times leaves a lock-waiting transaction out of INNODB_TRX; then the
        // process list shows our upsert still running after a while. A's upsert cannot
        // block (nobody holds A), so a long-running one is B's, waiting for the other.
        let blocked: Option<u64> = watcher
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
                 WHERE DB = ? AND ID <> ? AND COMMAND = 'Execute' \
                 AND INFO LIKE 'INSERT INTO `bot_state`%' AND TIME_MS >= 300",
                (test.name(), other_id),
            )
            .await
            .unwrap();
        if waiting == Some(1) || blocked == Some(1) {
            break;
        }
        if Instant::now() >= deadline {
            let trx: Vec<(String, Option<String>, u64)> = watcher.query("SELECT trx_state, trx_query, trx_mysql_thread_id FROM information_schema.INNODB_TRX").await.unwrap();
            let procs: Vec<(u64, String, Option<String>, Option<String>)> = watcher
                .query("SELECT ID, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST")
                .await
                .unwrap();
            panic!(
                "our transaction never waited for the lock: {trx:?} {procs:?} {:?}",
                db.stats()
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Closing the cycle: the server picks a victim at once.
    other
        .query_drop("UPDATE bot_state SET mana = mana + 1 WHERE bot_id = 1")
        .await
        .unwrap();
    other.query_drop("COMMIT").await.unwrap();

    ours.await
        .unwrap()
        .expect("the batch succeeds after the deadlock");
    assert!(db.stats().retries >= 1, "{:?}", db.stats());
    let a = db.load::<BotState>(&1).await.unwrap().unwrap();
    let b = db.load::<BotState>(&2).await.unwrap().unwrap();
    assert_eq!((a.health, b.health), (7, 7), "our retried writes are in");
    assert_eq!(
        b.mana,
        bot_state(2).mana,
        "the batch ran after the other commit and saved its own mana"
    );
    let status: Option<(String, String, String)> = watcher
        .query_first("SHOW ENGINE INNODB STATUS")
        .await
        .unwrap();
    let (_, _, text) = status.unwrap();
    assert!(
        text.contains("LATEST DETECTED DEADLOCK"),
        "the server recorded a deadlock"
    );
}

/// A database on a private server that the test kills and restarts.
async fn private_db(server: &EmbeddedServer, max_connections: usize) -> Db {
    private_game_db(server, |b| {
        b.max_connections(max_connections)
            .max_reconnect_delay(Duration::from_millis(50))
    })
    .await
}

/// Waits until the restarted server takes connections again (outside the pool under test).
async fn wait_until_up(server: &EmbeddedServer) {
    for _ in 0..200 {
        if let Ok(conn) = Conn::new(connect_opts(&server.url(), None).unwrap()).await {
            conn.disconnect().await.ok();
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not come back");
}

/// After a restart every idle connection of a warm pool is dead; the first one found dead
/// gets the others checked before use, so no call fails once the server is back: saves,
/// loads and plain inserts alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_pool_loses_no_call_to_a_restart() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    let db = private_db(&server, 16).await;
    let warm: Vec<_> = (0..16u32)
        .map(|key| {
            let db = db.clone();
            tokio::spawn(async move { db.save(&bot_state(key)).await })
        })
        .collect();
    for task in warm {
        task.await.unwrap().unwrap();
    }
    server.restart().await.expect("restart");
    wait_until_up(&server).await;
    for key in 0..64 {
        db.save(&bot_state(key)).await.unwrap();
        db.insert(&bot_state(1_000 + key)).await.unwrap();
        assert_eq!(
            db.load::<BotState>(&key).await.unwrap(),
            Some(bot_state(key))
        );
    }
}

/// After a kill and restart, each path works again on its next call: repository calls,
/// bulk, transactions, raw connections, partition maintenance and migrations.
#[tokio::test]
async fn every_path_recovers_on_its_next_call_after_a_restart() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    let db = private_db(&server, 4).await;
    db.save(&bot_state(1)).await.unwrap();
    // Every kind of call leaves a connection idle in the pool first.
    Migrator::builtin().run(&db).await.unwrap();
    db.partitions::<BotState>().await.unwrap();
    drop(db.conn().await.unwrap());

    server.kill();
    server.restart().await.expect("restart");
    wait_until_up(&server).await;

    raw_select(&db).await;
    db.partitions::<BotState>().await.unwrap();
    db.ensure_partitions::<BotEvent>(20_000).await.unwrap();
    Migrator::builtin().run(&db).await.unwrap();
    assert_eq!(db.load::<BotState>(&1).await.unwrap(), Some(bot_state(1)));
    db.save_all(&[bot_state(2), bot_state(3)]).await.unwrap();
    let mut batch = db.batch();
    batch.save(&bot_state(4));
    batch.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.save(&bot_state(5)).await.unwrap();
    tx.commit().await.unwrap();
    assert!(db.exists::<BotState>(&5).await.unwrap());
    for _ in 0..6 {
        raw_select(&db).await;
    }
}

async fn raw_select(db: &Db) {
    let mut conn = db.conn().await.unwrap();
    conn.query_drop("SELECT 1").await.unwrap();
}

/// Found from outside: under saves with the server killed and restarted, a save whose first
/// attempt reached the server (its answer lost with the connection) and whose retries then
/// could not connect returned a plain connect error, although its row was in the table
/// afterwards. The call must say its outcome is unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_that_cannot_connect_after_a_lost_attempt_reports_the_outcome_unknown() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    let db = private_game_db(&server, |b| {
        b.cache::<BotState>(None)
            .max_retries(2)
            .max_reconnect_delay(Duration::from_millis(50))
            .connect_timeout(Duration::from_millis(500))
    })
    .await;
    db.save(&bot_state(1)).await.unwrap();
    // Another session holds the row, so the save below is on the wire, waiting, when the
    // server dies.
    let mut holder = Conn::new(connect_opts(&server.url(), Some("game")).unwrap())
        .await
        .unwrap();
    holder.query_drop("BEGIN").await.unwrap();
    holder
        .query_drop("SELECT * FROM bot_state WHERE bot_id = 1 FOR UPDATE")
        .await
        .unwrap();
    let saving = {
        let db = db.clone();
        tokio::spawn(async move {
            db.save(&BotState {
                health: 5,
                ..bot_state(1)
            })
            .await
        })
    };
    let mut watcher = Conn::new(connect_opts(&server.url(), None).unwrap())
        .await
        .unwrap();
    let waiting = "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
                   WHERE INFO LIKE 'INSERT INTO `bot_state`%'";
    let deadline = Instant::now() + Duration::from_secs(20);
    while watcher.query_first::<u64, _>(waiting).await.unwrap() != Some(1) {
        assert!(
            Instant::now() < deadline,
            "the save never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(watcher);
    drop(holder);
    server.kill();
    let err = saving.await.unwrap().unwrap_err();
    assert!(
        err.outcome_unknown() && err.is_connection_lost(),
        "the first attempt's outcome is unknown: {err:?}"
    );
    assert!(err.to_string().contains("outcome unknown"), "{err}");
}

/// Found from outside: with the server stopped by SIGSTOP, calls on the wire waited for as
/// long as it was stopped (no statement bound by default), and a flush that could not finish
/// was silent. Now a statement is bounded by default and the stats say the flusher stalls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_fails_calls_within_the_default_bound_and_the_stall_shows() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    let db = private_game_db(&server, |b| {
        b.cache::<BotState>(None)
            .write_behind(playerbot_db::WriteBehindConfig {
                interval: Duration::from_millis(100),
                ..Default::default()
            })
    })
    .await;
    assert_eq!(
        db.config().statement_timeout,
        Some(playerbot_db::DEFAULT_STATEMENT_TIMEOUT)
    );
    db.save(&bot_state(1)).await.unwrap();
    assert_eq!(db.write_behind_stats().stalled_for, None);

    server.pause().await.unwrap();
    db.save_deferred(&BotState {
        health: 9,
        ..bot_state(2)
    })
    .await
    .unwrap();
    let err = db.save(&bot_state(1)).await.unwrap_err();
    match &err {
        playerbot_db::Error::StatementTimeout { after, .. } => {
            assert_eq!(*after, playerbot_db::DEFAULT_STATEMENT_TIMEOUT)
        }
        other => panic!("expected the statement bound: {other:?}"),
    }
    assert!(err.outcome_unknown(), "{err:?}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.write_behind_stats().stalled_for.is_none() {
        assert!(Instant::now() < deadline, "the stall never showed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    server.resume().await.unwrap();
    tokio::time::timeout(Duration::from_secs(60), db.flush())
        .await
        .expect("the queue drains once the server answers")
        .unwrap();
    assert_eq!(db.write_behind_stats().stalled_for, None);
    assert_eq!(db.load::<BotState>(&2).await.unwrap().unwrap().health, 9);
}
