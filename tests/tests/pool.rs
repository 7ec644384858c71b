//! The pool under concurrency: both tokio runtimes, plain threads, the bound, the checkout
//! timeout, and the stats.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::{Db, Error};
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::{query_number, TestDb};

async fn save_from_many_tasks(db: &Db, tasks: u32, per_task: u32) {
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                for i in 0..per_task {
                    db.save(&bot_state(task * per_task + i)).await.unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    let keys: Vec<u32> = (0..tasks * per_task).collect();
    let loaded = db.load_many::<BotState>(&keys).await.unwrap();
    for (key, row) in keys.iter().zip(loaded) {
        assert_eq!(row, Some(bot_state(*key)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_saves_on_the_multi_thread_runtime() {
    let test = TestDb::new("concurrent_multi_thread").await;
    // Every save on a connection of its own: no coalescing into shared bulk saves.
    let db = test.db_with(|b| b.max_connections(8).coalesce(0)).await;
    save_from_many_tasks(&db, 64, 20).await;
    let stats = db.stats();
    assert!(stats.open <= 8, "{stats:?}");
    assert!(stats.checkouts >= 64 * 20, "{stats:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn concurrent_saves_on_the_current_thread_runtime() {
    let test = TestDb::new("concurrent_current_thread").await;
    let db = test.db_with(|b| b.max_connections(4)).await;
    save_from_many_tasks(&db, 32, 20).await;
    assert!(db.stats().open <= 4);
}

#[test]
fn plain_threads_share_the_pool_through_a_runtime_handle() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (test, db) = runtime.block_on(async {
        let test = TestDb::new("plain_threads").await;
        let db = test.db_with(|b| b.max_connections(3)).await;
        (test, db)
    });
    let handle = runtime.handle().clone();
    std::thread::scope(|scope| {
        for thread in 0..6u32 {
            let (db, handle) = (db.clone(), handle.clone());
            scope.spawn(move || {
                for i in 0..50 {
                    let bot = bot_state(thread * 1000 + i);
                    handle.block_on(db.save(&bot)).unwrap();
                    // A connection checked out here may be returned on another thread next time.
                    assert_eq!(
                        handle.block_on(db.load::<BotState>(&bot.bot_id)).unwrap(),
                        Some(bot)
                    );
                }
            });
        }
    });
    // A thread's own list goes with the thread; its exit (thread-local destructors) may
    // finish just after the scope has joined it.
    let mut stats = db.stats();
    for _ in 0..100 {
        if stats.in_use == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        stats = db.stats();
    }
    assert!(stats.open <= 3, "{stats:?}");
    assert_eq!(stats.in_use, 0, "every connection came back: {stats:?}");
    drop(db);
    runtime.block_on(async move { drop(test) });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_bound_holds_under_200_concurrent_tasks() {
    const MAX: usize = 8;
    let test = TestDb::new("bound_holds").await;
    let db = test
        .db_with(|b| {
            // Every load must reach the server on a connection of its own: no L1 cache in
            // front, and no coalescing (200 tasks' loads would share a few statements).
            b.max_connections(MAX)
                .checkout_timeout(Duration::from_secs(30))
                .cache::<BotState>(None)
                .coalesce(0)
        })
        .await;
    for bot_id in 0..50 {
        db.save(&bot_state(bot_id)).await.unwrap();
    }
    // Watch both the pool's own count and the server's count of connections to this database.
    let done = Arc::new(AtomicBool::new(false));
    let most_seen = Arc::new(AtomicUsize::new(0));
    let watcher = {
        let (done, most_seen, db) = (done.clone(), most_seen.clone(), db.clone());
        let mut server = test.conn().await;
        let name = test.name().to_owned();
        tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                let on_server: Option<usize> = server
                    .exec_first("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", (name.as_str(),))
                    .await
                    .unwrap();
                let seen = on_server.unwrap().max(db.stats().open);
                most_seen.fetch_max(seen, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let tasks: Vec<_> = (0..200u32)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                for i in 0..10 {
                    let bot_id = (task + i) % 50;
                    assert!(db.load::<BotState>(&bot_id).await.unwrap().is_some());
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    watcher.await.unwrap();
    let stats = db.stats();
    assert!(
        most_seen.load(Ordering::SeqCst) <= MAX,
        "saw {} connections",
        most_seen.load(Ordering::SeqCst)
    );
    assert!(
        stats.waits > 0,
        "200 tasks over {MAX} connections must have waited: {stats:?}"
    );
    assert_eq!(stats.timeouts, 0);
    assert!(stats.checkouts >= 2000);
}

#[tokio::test]
async fn checkout_times_out_with_a_typed_error() {
    let test = TestDb::new("checkout_timeout").await;
    let db = test
        .db_with(|b| {
            b.max_connections(1)
                .checkout_timeout(Duration::from_millis(200))
        })
        .await;
    let held = db.conn().await.unwrap();
    let started = std::time::Instant::now();
    let err = db.load::<BotState>(&1).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::PoolTimeout {
                in_use: 1,
                max: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(err.is_retryable() && !err.is_connection_lost());
    assert_eq!(db.stats().timeouts, 1);
    drop(held);
    assert_eq!(
        db.load::<BotState>(&1).await.unwrap(),
        None,
        "works again once the connection is back"
    );
}

#[tokio::test]
async fn every_connection_is_in_strict_mode_with_statements_prepared() {
    let test = TestDb::new("connection_setup").await;
    let db = test.db().await;
    let mut conn = db.conn().await.unwrap();
    let mode: Option<String> = conn.query_first("SELECT @@SESSION.sql_mode").await.unwrap();
    assert!(mode.unwrap().contains("STRICT_ALL_TABLES"));
    assert!(conn.max_allowed_packet() >= 1 << 20);
    // Prepared when the connection opened, before the tables existed? Those are prepared on
    // first use; a fresh connection after create_tables has them all prepared at open.
    drop(conn);
    let db = test.db().await;
    let mut conn = db.conn().await.unwrap();
    let prepared: Option<(String, u64)> = conn
        .query_first("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'")
        .await
        .unwrap();
    let prepared = prepared.unwrap().1;
    assert!(
        prepared >= 8 * 11,
        "every registered statement prepared at open, got {prepared}"
    );
}

#[tokio::test]
async fn an_idle_connection_is_validated_and_a_dead_one_replaced_before_use() {
    let test = TestDb::new("idle_validation").await;
    // Every idle connection counts as stale, so each checkout pings first.
    let db = test
        .db_with(|b| {
            b.max_connections(1)
                .validate_after_idle(Duration::ZERO)
                .cache::<BotState>(None)
        })
        .await;
    db.save(&bot_state(1)).await.unwrap();
    let id = query_number(&db, "SELECT CONNECTION_ID()").await;
    test.conn()
        .await
        .query_drop(format!("KILL CONNECTION {id}"))
        .await
        .unwrap();

    assert_eq!(db.load::<BotState>(&1).await.unwrap(), Some(bot_state(1)));
    let stats = db.stats();
    assert_eq!(
        stats.retries, 0,
        "the ping caught the dead connection before any statement: {stats:?}"
    );
    assert_eq!(stats.connects, 2, "{stats:?}");
}

/// Returns racing with waiting checkouts on many threads (a stress test): with 2 connections
/// and 16 tasks on 4 worker threads, every checkout succeeds well within its timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_connection_is_stranded_when_returns_race_with_waiters() {
    let test = TestDb::new("no_stranded_connections").await;
    let db = test
        .db_with(|b| {
            b.max_connections(2)
                .checkout_timeout(Duration::from_secs(3))
        })
        .await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                for _ in 0..300 {
                    let conn = db.conn().await?;
                    tokio::task::yield_now().await;
                    drop(conn);
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let stats = db.stats();
    assert_eq!(stats.timeouts, 0, "{stats:?}");
    assert!(stats.open <= 2 && stats.in_use == 0, "{stats:?}");
    assert!(stats.checkouts >= 16 * 300, "{stats:?}");
}
