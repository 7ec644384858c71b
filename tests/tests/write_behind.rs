//! The write-behind queue against a real server: coalescing, reads that see the queue,
//! direct writes that supersede, and no accepted write lost or reordered through killed
//! connections, a killed server and a full queue.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::{Db, Error, WhenFull, WriteBehindConfig};
use playerbot_db_embedded::connect_opts;
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::TestDb;

/// Bot `id` at `version` (kept in `updated_at`).
fn at_version(id: u32, version: u64) -> BotState {
    BotState {
        updated_at: version as i64,
        ..bot_state(id)
    }
}

/// What the table holds: bot id → version.
async fn table_versions(conn: &mut Conn) -> HashMap<u32, u64> {
    let rows: Vec<(u32, i64)> = conn
        .query("SELECT bot_id, updated_at FROM bot_state")
        .await
        .unwrap();
    rows.into_iter().map(|(id, v)| (id, v as u64)).collect()
}

fn fast_flushes() -> WriteBehindConfig {
    WriteBehindConfig {
        interval: Duration::from_millis(50),
        ..WriteBehindConfig::default()
    }
}

async fn deferred_writes_are_seen_at_once_coalesced_and_flushed(test: TestDb) {
    let db = test.db_with(|b| b.write_behind(fast_flushes())).await;
    let mut raw = test.conn().await;
    for version in 1..=5 {
        db.save_deferred(&at_version(1, version)).await.unwrap();
    }
    db.save_deferred(&at_version(2, 1)).await.unwrap();
    db.delete_deferred::<BotState>(&2).await.unwrap();
    // Reads see the queue before the server has anything.
    assert_eq!(
        db.load::<BotState>(&1).await.unwrap(),
        Some(at_version(1, 5))
    );
    assert_eq!(db.load::<BotState>(&2).await.unwrap(), None);
    assert!(db.exists::<BotState>(&1).await.unwrap());
    let many = db.load_many::<BotState>(&[2, 1, 3]).await.unwrap();
    assert_eq!(many, vec![None, Some(at_version(1, 5)), None]);
    db.flush().await.unwrap();
    assert_eq!(table_versions(&mut raw).await, HashMap::from([(1, 5)]));
    let stats = db.write_behind_stats();
    assert_eq!(stats.depth, 0);
    assert!(stats.rows_coalesced >= 5, "{stats:?}");
    // A save after a delete re-creates; a delete after a save wins.
    db.delete_deferred::<BotState>(&1).await.unwrap();
    db.save_deferred(&at_version(1, 9)).await.unwrap();
    db.save_deferred(&at_version(3, 1)).await.unwrap();
    db.delete_deferred::<BotState>(&3).await.unwrap();
    db.flush().await.unwrap();
    assert_eq!(table_versions(&mut raw).await, HashMap::from([(1, 9)]));
    // Bad values are refused when offered, not when flushed.
    let bad = BotState {
        x: f32::NAN,
        ..at_version(4, 1)
    };
    assert!(matches!(
        db.save_deferred(&bad).await,
        Err(Error::InvalidValue { .. })
    ));
    db.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_direct_write_supersedes_a_deferred_one() {
    let test = TestDb::new("behind_supersede").await;
    // A long interval: deferred rows wait unless flushed.
    let db = test
        .db_with(|b| {
            b.write_behind(WriteBehindConfig {
                interval: Duration::from_secs(3_600),
                ..WriteBehindConfig::default()
            })
        })
        .await;
    let mut raw = test.conn().await;
    db.save_deferred(&at_version(1, 1)).await.unwrap();
    db.save(&at_version(1, 2)).await.unwrap();
    db.save_deferred(&at_version(2, 1)).await.unwrap();
    db.delete::<BotState>(&2).await.unwrap();
    db.save_deferred(&at_version(3, 1)).await.unwrap();
    db.save_all(&[at_version(3, 2)]).await.unwrap();
    db.save_deferred(&at_version(4, 1)).await.unwrap();
    db.save_deferred(&at_version(5, 1)).await.unwrap();
    let mut batch = db.batch();
    batch.save(&at_version(4, 2)).delete::<BotState>(&5);
    batch.commit().await.unwrap();
    db.save_deferred(&at_version(6, 1)).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.save(&at_version(6, 2)).await.unwrap();
    tx.commit().await.unwrap();
    db.flush().await.unwrap();
    // The older deferred values never reached the table.
    assert_eq!(
        table_versions(&mut raw).await,
        HashMap::from([(1, 2), (3, 2), (4, 2), (6, 2)])
    );
    assert_eq!(db.write_behind_stats().rows_written, 0);
}

/// The model run: 32 tasks, each owning its keys, mix deferred and direct saves and deletes,
/// checking reads against their model as they go; after `flush` the table is the model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_tasks_leave_the_table_equal_to_the_last_accepted_write_per_key() {
    let test = TestDb::new("behind_model").await;
    let db = Arc::new(
        test.db_with(|b| b.max_connections(8).write_behind(fast_flushes()))
            .await,
    );
    let until = Instant::now() + Duration::from_secs(3);
    let mut tasks = Vec::new();
    for task in 0..32u32 {
        let db = Arc::clone(&db);
        tasks.push(tokio::spawn(async move {
            let mut model: HashMap<u32, Option<u64>> = HashMap::new();
            let mut n = task.wrapping_mul(2_654_435_761) | 1;
            let mut version = 0u64;
            while Instant::now() < until {
                n ^= n << 13;
                n ^= n >> 17;
                n ^= n << 5;
                let key = task * 100 + n % 20;
                version += 1;
                match n % 10 {
                    0..=5 => {
                        db.save_deferred(&at_version(key, version)).await.unwrap();
                        model.insert(key, Some(version));
                    }
                    6 => {
                        db.delete_deferred::<BotState>(&key).await.unwrap();
                        model.insert(key, None);
                    }
                    7 => {
                        db.save(&at_version(key, version)).await.unwrap();
                        model.insert(key, Some(version));
                    }
                    8 => {
                        db.delete::<BotState>(&key).await.unwrap();
                        model.insert(key, None);
                    }
                    _ => {
                        let loaded = db.load::<BotState>(&key).await.unwrap();
                        let expected = model.get(&key).copied().flatten();
                        assert_eq!(
                            loaded.map(|row| row.updated_at as u64),
                            expected,
                            "task {task}: key {key} read back wrong"
                        );
                    }
                }
            }
            model
        }));
    }
    let mut model = HashMap::new();
    for task in tasks {
        model.extend(task.await.unwrap());
    }
    db.flush().await.unwrap();
    let expected: HashMap<u32, u64> = model
        .into_iter()
        .filter_map(|(key, version)| Some((key, version?)))
        .collect();
    let mut raw = test.conn().await;
    assert_eq!(table_versions(&mut raw).await, expected);
    let stats = db.write_behind_stats();
    println!("{stats:?}");
    assert!(stats.flushes > 5 && stats.rows_coalesced > 0, "{stats:?}");
}

/// The flusher's connection is killed by the server (`KILL CONNECTION`) while it writes,
/// again and again: every accepted row lands, none older than its last save.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_flushers_connection_loses_nothing() {
    let test = TestDb::new("behind_kill_connection").await;
    let db = Arc::new(
        test.db_with(|b| b.max_connections(4).write_behind(fast_flushes()))
            .await,
    );
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killer = {
        let (stop, url, name) = (Arc::clone(&stop), test.url(), test.name().to_owned());
        tokio::spawn(async move {
            let mut admin = Conn::new(connect_opts(&url, None).unwrap()).await.unwrap();
            let mut kills = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Only this test's database: other tests share the server.
                let writers: Vec<u64> = admin
                    .exec(
                        "SELECT ID FROM information_schema.PROCESSLIST \
                         WHERE DB = ? AND INFO LIKE 'INSERT INTO `bot_state`%'",
                        (&name,),
                    )
                    .await
                    .unwrap();
                for id in writers {
                    if admin
                        .query_drop(format!("KILL CONNECTION {id}"))
                        .await
                        .is_ok()
                    {
                        kills += 1;
                    }
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            kills
        })
    };
    let mut last = HashMap::new();
    for version in 1..=40u64 {
        let rows: Vec<BotState> = (0..2_000).map(|id| at_version(id, version)).collect();
        for row in &rows {
            db.save_deferred(row).await.unwrap();
            last.insert(row.bot_id, version);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::timeout(Duration::from_secs(60), db.flush())
        .await
        .expect("flush within a minute")
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let kills = killer.await.unwrap();
    let mut raw = test.conn().await;
    assert_eq!(table_versions(&mut raw).await, last);
    println!(
        "{kills} flusher connections killed; {:?}",
        db.write_behind_stats()
    );
}

async fn server_db(server: &EmbeddedServer, config: WriteBehindConfig) -> (Db, String) {
    let mut setup = Conn::new(connect_opts(&server.url(), None).unwrap())
        .await
        .unwrap();
    setup.query_drop("CREATE DATABASE behind").await.unwrap();
    setup.disconnect().await.unwrap();
    let url = format!("{}behind", server.url());
    let db = Db::builder(url.clone())
        .register::<BotState>()
        .max_connections(4)
        .max_retries(1)
        .max_reconnect_delay(Duration::from_millis(100))
        .write_behind(config)
        .build()
        .await
        .unwrap();
    db.create_tables().await.unwrap();
    (db, url)
}

/// The server is killed (SIGKILL) while deferred saves stream in, and restarted a few
/// seconds later: saves are accepted all along, and after `flush` every one is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_accepted_write() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    let (db, url) = server_db(&server, fast_flushes()).await;
    let mut last = HashMap::new();
    let mut version = 0;
    let mut save_some = async |db: &Db, last: &mut HashMap<u32, u64>| {
        for _ in 0..20 {
            version += 1;
            for id in 0..200 {
                db.save_deferred(&at_version(id, version)).await.unwrap();
                last.insert(id, version);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    save_some(&db, &mut last).await;
    server.kill();
    save_some(&db, &mut last).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    save_some(&db, &mut last).await;
    assert!(db.write_behind_stats().depth > 0);
    server.restart().await.expect("restart");
    save_some(&db, &mut last).await;
    tokio::time::timeout(Duration::from_secs(60), db.flush())
        .await
        .expect("flush within a minute of the restart")
        .unwrap();
    let mut raw = Conn::new(connect_opts(&url, None).unwrap()).await.unwrap();
    assert_eq!(table_versions(&mut raw).await, last);
    let stats = db.write_behind_stats();
    assert!(stats.retries > 0, "{stats:?}");
    db.close().await;
}

/// While the server is down the queue fills to its bound; then the policy applies (here:
/// refuse at once, naming the entity and key), rows already queued can still be replaced,
/// and every accepted write lands after recovery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_and_keeps_everything_it_accepted() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    let config = WriteBehindConfig {
        interval: Duration::from_millis(50),
        max_dirty: 100,
        when_full: WhenFull::Reject,
        ..WriteBehindConfig::default()
    };
    let (db, url) = server_db(&server, config).await;
    server.kill();
    for id in 0..100 {
        db.save_deferred(&at_version(id, 1)).await.unwrap();
    }
    match db.save_deferred(&at_version(100, 1)).await {
        Err(Error::QueueFull { entity, key, .. }) => {
            assert_eq!((entity, key.as_str()), ("BotState", "100"))
        }
        other => panic!("expected QueueFull, got {other:?}"),
    }
    // A key already queued is coalesced, not refused.
    db.save_deferred(&at_version(7, 2)).await.unwrap();
    assert_eq!(db.write_behind_stats().rejected, 1);
    // Waiting policy: a bounded wait, then the same error.
    server.restart().await.expect("restart");
    tokio::time::timeout(Duration::from_secs(60), db.flush())
        .await
        .expect("flush after the restart")
        .unwrap();
    let mut raw = Conn::new(connect_opts(&url, None).unwrap()).await.unwrap();
    let table = table_versions(&mut raw).await;
    assert_eq!(table.len(), 100);
    assert_eq!(table[&7], 2);
    db.close().await;
}

/// Dropped at random points, `flush` and deferred writes leave the queue whole: a final
/// flush still writes the last accepted value of every key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_flushes_and_deferred_writes_lose_nothing() {
    let test = TestDb::new("behind_cancel").await;
    let db = test.db_with(|b| b.write_behind(fast_flushes())).await;
    let last: Mutex<HashMap<u32, u64>> = Mutex::new(HashMap::new());
    let mut n = 88_172_645_463_325_252_u64;
    for version in 1..=300u64 {
        n ^= n << 13;
        n ^= n >> 7;
        n ^= n << 17;
        let id = (n % 50) as u32;
        let deadline = Duration::from_micros(n % 3_000);
        if tokio::time::timeout(deadline, db.save_deferred(&at_version(id, version)))
            .await
            .is_ok()
        {
            last.lock().unwrap().insert(id, version);
        } else if db
            .load::<BotState>(&id)
            .await
            .unwrap()
            .map(|row| row.updated_at as u64)
            == Some(version)
        {
            // Cancelled after it was accepted: it counts.
            last.lock().unwrap().insert(id, version);
        }
        if n.is_multiple_of(5) {
            let _ = tokio::time::timeout(deadline, db.flush()).await;
        }
    }
    db.flush().await.unwrap();
    let mut raw = test.conn().await;
    assert_eq!(table_versions(&mut raw).await, *last.lock().unwrap());
}

/// The waiting policy: a deferred write at the bound waits for the flusher to make room and
/// is accepted; with the server away it gives up after its wait with `QueueFull`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_waits_for_room_then_gives_up() {
    let mut server = EmbeddedServer::start().await.expect("embedded server");
    let config = WriteBehindConfig {
        interval: Duration::from_millis(20),
        max_dirty: 50,
        when_full: WhenFull::Wait(Duration::from_millis(300)),
        ..WriteBehindConfig::default()
    };
    let (db, url) = server_db(&server, config).await;
    // Server up: 500 distinct keys through a queue of 50, each waiting its turn.
    for id in 0..500 {
        db.save_deferred(&at_version(id, 1)).await.unwrap();
    }
    db.flush().await.unwrap();
    let mut raw = Conn::new(connect_opts(&url, None).unwrap()).await.unwrap();
    assert_eq!(table_versions(&mut raw).await.len(), 500);
    drop(raw);
    // Server away: the bound is reached and the wait runs out.
    server.kill();
    for id in 1_000..1_050 {
        db.save_deferred(&at_version(id, 1)).await.unwrap();
    }
    let started = Instant::now();
    let err = db.save_deferred(&at_version(2_000, 1)).await.unwrap_err();
    assert!(matches!(err, Error::QueueFull { .. }), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    server.restart().await.expect("restart");
    tokio::time::timeout(Duration::from_secs(60), db.flush())
        .await
        .expect("flush after the restart")
        .unwrap();
    let mut raw = Conn::new(connect_opts(&url, None).unwrap()).await.unwrap();
    assert_eq!(table_versions(&mut raw).await.len(), 550);
    db.close().await;
}

playerbot_db_tests::on_one_server_and_two_shards! {
    deferred_writes_are_seen_at_once_coalesced_and_flushed: "behind_basics",
}

/// A row that only the queue held (saved deferred, not flushed yet) was the key's row for
/// every reader: a direct delete of it reports a deleted row, and nothing lands later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_row_only_the_queue_holds_reports_it_deleted() {
    let test = TestDb::new("wb_delete_queued").await;
    let db = test
        .db_with(|b| {
            b.write_behind(WriteBehindConfig {
                interval: Duration::from_secs(3_600),
                ..WriteBehindConfig::default()
            })
        })
        .await;
    db.save_deferred(&at_version(7, 1)).await.unwrap();
    assert!(db.exists::<BotState>(&7).await.unwrap());
    assert!(
        db.delete::<BotState>(&7).await.unwrap(),
        "the key held a row"
    );
    assert_eq!(db.load::<BotState>(&7).await.unwrap(), None);
    assert!(
        !db.delete::<BotState>(&7).await.unwrap(),
        "nothing left to delete"
    );
    db.flush().await.unwrap();
    let mut raw = test.conn().await;
    assert!(table_versions(&mut raw).await.is_empty());
    db.close().await;
}
