//! The connection lifecycle: raw access undone before the next user, owned guards, closing,
//! fair waiting, transactions the server ended, and bounded waits on servers that misbehave.

use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::{Db, Error, ErrorKind};
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::{private_game_db, TestDb};

/// How many connections the server has open to `test`'s database, other than `admin`.
async fn server_connections(admin: &mut Conn, test: &TestDb) -> u64 {
    let open: Option<u64> = admin
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
            (test.name(),),
        )
        .await
        .unwrap();
    open.unwrap_or(0)
}

/// Polls until the server has no connection to `test`'s database left; the count it ended at.
async fn wait_for_no_connections(admin: &mut Conn, test: &TestDb) -> u64 {
    let mut open = u64::MAX;
    for _ in 0..60 {
        open = server_connections(admin, test).await;
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    open
}

#[tokio::test]
async fn raw_changes_to_a_session_never_reach_the_next_user() {
    let test = TestDb::new("raw_session").await;
    let db = test.db_with(|b| b.max_connections(1)).await;
    let other = format!("{}_other", test.name());
    let first_id;
    {
        let mut conn = db.conn().await.unwrap();
        first_id = conn.id();
        conn.query_drop(format!("CREATE DATABASE `{other}`"))
            .await
            .unwrap();
        conn.query_drop(format!("USE `{other}`")).await.unwrap();
        conn.query_drop("SET @x = 1").await.unwrap();
        conn.query_drop("SET SESSION sql_mode = ''").await.unwrap();
        conn.query_drop("CREATE TEMPORARY TABLE scratch (a INT)")
            .await
            .unwrap();
        conn.query_drop("SELECT GET_LOCK('raw_session_lock', 0)")
            .await
            .unwrap();
        conn.query_drop("START TRANSACTION").await.unwrap();
    }
    let mut conn = db.conn().await.unwrap();
    assert_eq!(conn.id(), first_id, "reset, not replaced");
    let (database, x, mode, lock): (Option<String>, Option<i64>, String, Option<u64>) = conn
        .query_first("SELECT DATABASE(), @x, @@SESSION.sql_mode, IS_USED_LOCK('raw_session_lock')")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(database.as_deref(), Some(test.name()));
    assert_eq!(x, None);
    assert!(mode.contains("STRICT_ALL_TABLES"), "{mode}");
    assert_eq!(lock, None);
    let scratch: Option<u64> = conn
        .query_first(
            "SELECT COUNT(*) FROM information_schema.TEMPORARY_TABLES WHERE TABLE_NAME = 'scratch'",
        )
        .await
        .unwrap_or(Some(0));
    assert_eq!(scratch, Some(0));
    conn.query_drop(format!("DROP DATABASE `{other}`"))
        .await
        .unwrap();
    drop(conn);
    // The entity statements work again on the reset connection.
    db.save(&bot_state(1)).await.unwrap();
    assert_eq!(db.load::<BotState>(&1).await.unwrap(), Some(bot_state(1)));
    assert!(db.stats().recycled >= 2, "{:?}", db.stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guards_and_transactions_move_into_spawned_tasks() {
    let test = TestDb::new("owned_guards").await;
    let db = test.db().await;
    let conn = db.conn().await.unwrap();
    let id = tokio::spawn(async move { conn.id() }).await.unwrap();
    assert!(id > 0);
    let mut tx = db.begin().await.unwrap();
    tx.save(&bot_state(7)).await.unwrap();
    tokio::spawn(async move { tx.commit().await })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(db.load::<BotState>(&7).await.unwrap(), Some(bot_state(7)));
}

#[tokio::test]
async fn close_leaves_no_connection_and_later_calls_fail_at_once() {
    let test = TestDb::new("close").await;
    let db = test.db_with(|b| b.max_connections(4)).await;
    let (a, b, c) = tokio::join!(
        db.load::<BotState>(&1),
        db.load::<BotState>(&2),
        db.load::<BotState>(&3)
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    let held = db.conn().await.unwrap();
    let mut admin = test.conn().await;
    assert!(server_connections(&mut admin, &test).await >= 1);

    db.close().await;
    let started = Instant::now();
    let err = db.load::<BotState>(&1).await.unwrap_err();
    assert!(matches!(err, Error::Closed), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Closed);
    assert!(started.elapsed() < Duration::from_secs(1), "fails at once");
    // The connection that was lent during the close is closed when it comes back.
    drop(held);
    assert_eq!(wait_for_no_connections(&mut admin, &test).await, 0);
    assert_eq!(db.stats().open, 0, "{:?}", db.stats());
}

#[tokio::test]
async fn dropping_the_last_handle_closes_its_connections() {
    let test = TestDb::new("drop_last").await;
    let db = test.db_with(|b| b.max_connections(2)).await;
    let (a, b) = tokio::join!(db.load::<BotState>(&1), db.load::<BotState>(&2));
    a.unwrap();
    b.unwrap();
    let mut admin = test.conn().await;
    assert!(server_connections(&mut admin, &test).await >= 1);
    drop(db);
    assert_eq!(wait_for_no_connections(&mut admin, &test).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_are_served_in_order_and_none_times_out() {
    let test = TestDb::new("fair_waiting").await;
    let db = test
        .db_with(|b| {
            // 500 tasks waiting for 8 connections: no coalescing, which would serve their
            // saves with a few.
            b.max_connections(8)
                .checkout_timeout(Duration::from_secs(5))
                .coalesce(0)
        })
        .await;
    let until = Instant::now() + Duration::from_secs(3);
    let tasks: Vec<_> = (0..500u32)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let (mut done, mut timeouts) = (0u32, 0u32);
                while Instant::now() < until {
                    match db.save(&bot_state(task)).await {
                        Ok(()) => done += 1,
                        Err(Error::PoolTimeout { .. }) => timeouts += 1,
                        Err(err) => panic!("{err}"),
                    }
                }
                (done, timeouts)
            })
        })
        .collect();
    let (mut done, mut timeouts, mut starved) = (0, 0, 0);
    for task in tasks {
        let (d, t) = task.await.unwrap();
        done += d;
        timeouts += t;
        starved += u32::from(d == 0);
    }
    let stats = db.stats();
    println!(
        "500 tasks on 8 connections: {done} saves, {timeouts} timeouts, max wait {:?}",
        stats.max_wait
    );
    assert_eq!(timeouts, 0, "{stats:?}");
    assert_eq!(starved, 0, "every task got a connection");
    assert!(
        stats.max_wait > Duration::ZERO && stats.waits > 0,
        "{stats:?}"
    );
}

/// Two live transactions that really deadlock: the one the server rolled back refuses every
/// later call instead of letting writes autocommit outside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_the_server_rolled_back_refuses_further_calls() {
    let test = TestDb::new("dead_transaction").await;
    let db = test.db().await;
    db.save_all(&[bot_state(1), bot_state(2)]).await.unwrap();
    let mut first = db.begin().await.unwrap();
    let mut second = db.begin().await.unwrap();
    first
        .save(&BotState {
            health: 11,
            ..bot_state(1)
        })
        .await
        .unwrap();
    second
        .save(&BotState {
            health: 22,
            ..bot_state(2)
        })
        .await
        .unwrap();
    // Each now wants the other's row.
    let crossing = tokio::spawn(async move {
        let result = first
            .save(&BotState {
                health: 12,
                ..bot_state(2)
            })
            .await;
        (first, result)
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second_result = second
        .save(&BotState {
            health: 21,
            ..bot_state(1)
        })
        .await;
    let (first, first_result) = crossing.await.unwrap();
    let (mut dead, error, alive) = match (first_result, second_result) {
        (Err(err), Ok(())) => (first, err, second),
        (Ok(()), Err(err)) => (second, err, first),
        other => panic!("expected exactly one deadlock: {other:?}"),
    };
    assert!(error.is_deadlock(), "{error}");
    alive.commit().await.unwrap();

    let after = dead.save(&bot_state(3)).await.unwrap_err();
    assert!(
        matches!(after, Error::TransactionRolledBack { code: 1213 }),
        "{after:?}"
    );
    assert!(dead.load::<BotState>(&1).await.is_err());
    assert!(dead.conn().is_err());
    let commit = dead.commit().await.unwrap_err();
    assert_eq!(commit.kind(), ErrorKind::TransactionRolledBack);
    assert_eq!(
        db.load::<BotState>(&3).await.unwrap(),
        None,
        "nothing autocommitted"
    );
}

/// A "server" that accepts TCP connections and never says a word.
#[tokio::test]
async fn a_server_that_never_answers_fails_within_the_timeouts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("mysql://root@{}/", listener.local_addr().unwrap());
    let checkout = Duration::from_millis(800);
    let started = Instant::now();
    let err = Db::builder(url)
        .connect_timeout(Duration::from_millis(300))
        .checkout_timeout(checkout)
        .build()
        .await
        .unwrap_err();
    let took = started.elapsed();
    println!("silent server: failed after {took:?} with {err}");
    assert_eq!(err.kind(), ErrorKind::ServerUnavailable, "{err:?}");
    assert!(
        took < checkout + Duration::from_secs(2),
        "waited {took:?}, past its timeouts"
    );
    drop(listener);
}

/// The reported case: a pool of 2, a stopped server, two calls given up on while they opened
/// connections; once the server is back, calls succeed (before, every later call timed out
/// with "2 of 2 in use").
#[tokio::test]
async fn opens_given_up_on_give_their_place_back() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    // One idle connection (the build's); the first call below takes it and is given up on
    // in the middle of its statement, the second while opening a connection.
    let db = private_game_db(&server, |b| {
        b.max_connections(2)
            .connect_timeout(Duration::from_millis(500))
            .checkout_timeout(Duration::from_secs(2))
            .max_reconnect_delay(Duration::from_millis(50))
    })
    .await;
    server.pause().await.unwrap();
    let (first, second) = tokio::join!(
        tokio::time::timeout(Duration::from_millis(50), db.load::<BotState>(&0)),
        tokio::time::timeout(Duration::from_millis(50), db.load::<BotState>(&1)),
    );
    assert!(first.is_err() && second.is_err(), "the server is stopped");
    server.resume().await.unwrap();
    let mut recovered = None;
    for _ in 0..100 {
        match db.save(&bot_state(1)).await {
            Ok(()) => {
                recovered = Some(());
                break;
            }
            Err(err) => {
                assert!(!matches!(err, Error::PoolTimeout { .. }), "{err}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    assert!(recovered.is_some(), "the pool never recovered");
    for key in 0..20 {
        db.save(&bot_state(key)).await.unwrap();
    }
    assert!(db.stats().open <= 2);
}

/// A stopped server (SIGSTOP: sockets open, nobody answers) under 64 tasks calling in a loop:
/// every call returns within its timeouts, and the pool recovers once the server goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_on_a_stopped_server_return_within_their_timeouts() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    let checkout = Duration::from_millis(1_000);
    let statement = Duration::from_millis(500);
    let db = private_game_db(&server, |b| {
        b.max_connections(8)
            .connect_timeout(Duration::from_millis(400))
            .checkout_timeout(checkout)
            .statement_timeout(statement)
            .max_reconnect_delay(Duration::from_millis(100))
    })
    .await;
    for key in 0..64 {
        db.save(&bot_state(key)).await.unwrap();
    }
    server.pause().await.unwrap();
    let until = Instant::now() + Duration::from_secs(3);
    let tasks: Vec<_> = (0..64u32)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let (mut longest, mut calls) = (Duration::ZERO, 0u32);
                while Instant::now() < until {
                    let started = Instant::now();
                    let result = db.save(&bot_state(task)).await;
                    longest = longest.max(started.elapsed());
                    calls += 1;
                    let err = result.expect_err("the server is stopped");
                    assert!(
                        matches!(
                            err.kind(),
                            ErrorKind::StatementTimeout
                                | ErrorKind::ServerUnavailable
                                | ErrorKind::PoolTimeout
                        ),
                        "{err:?}"
                    );
                }
                (longest, calls)
            })
        })
        .collect();
    let mut longest = Duration::ZERO;
    let mut calls = 0;
    for task in tasks {
        let (l, c) = task.await.unwrap();
        longest = longest.max(l);
        calls += c;
    }
    println!("stopped server: {calls} calls from 64 tasks, the longest took {longest:?}");
    assert!(
        longest < checkout + statement + Duration::from_secs(2),
        "a call waited {longest:?}"
    );

    server.resume().await.unwrap();
    let mut recovered = false;
    for _ in 0..100 {
        if db.save(&bot_state(0)).await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(recovered, "the pool never recovered");
    for key in 0..64 {
        db.save(&bot_state(key)).await.unwrap();
    }
    let stats = db.stats();
    assert!(stats.open <= 8, "{stats:?}");
}
