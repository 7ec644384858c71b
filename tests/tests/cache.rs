//! The L1 cache: read-through loads, writes that update or drop it, hooks, eviction, expiry,
//! and no stale value under concurrent loads, saves and deletes of one key.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::{BotEntity, CacheHooks, CachePolicy, Db};
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::TestDb;

fn stats_of(db: &Db, entity: &str) -> playerbot_db::CacheStats {
    db.cache_stats()
        .into_iter()
        .find(|stats| stats.entity == entity)
        .expect("a cache for the entity")
}

/// A change made behind the library's back, on the server that holds the bot: only a load
/// that reaches the server sees it.
async fn set_level_by_sql(db: &Db, bot_id: u32, level: u8) {
    let server = db.primary(db.shard_of::<BotState>(&bot_id));
    server
        .conn()
        .await
        .unwrap()
        .exec_drop(
            "UPDATE bot_state SET level = ? WHERE bot_id = ?",
            (level, bot_id),
        )
        .await
        .unwrap();
}

async fn a_saved_bot_is_loaded_from_memory_and_a_deleted_one_is_gone(test: TestDb) {
    let db = test.db().await;
    let bot = bot_state(7);
    db.save(&bot).await.unwrap();
    set_level_by_sql(&db, 7, 99).await;
    // From memory: the SQL change is not seen.
    assert_eq!(db.load::<BotState>(&7).await.unwrap(), Some(bot.clone()));
    let stats = stats_of(&db, "BotState");
    assert_eq!((stats.hits, stats.misses), (1, 0), "{stats:?}");
    // Dropped from memory: the next load reads the server and fills.
    db.invalidate::<BotState>(&7).unwrap();
    assert_eq!(db.load::<BotState>(&7).await.unwrap().unwrap().level, 99);
    assert_eq!(db.load::<BotState>(&7).await.unwrap().unwrap().level, 99);
    let stats = stats_of(&db, "BotState");
    assert_eq!((stats.hits, stats.misses), (2, 1), "{stats:?}");
    // Deleted: a miss, and the server has nothing.
    assert!(db.delete::<BotState>(&7).await.unwrap());
    assert_eq!(db.load::<BotState>(&7).await.unwrap(), None);
    assert_eq!(stats_of(&db, "BotState").misses, 2);
}

async fn load_many_answers_hits_from_memory_and_reads_only_the_misses(test: TestDb) {
    let db = test.db().await;
    let bots: Vec<BotState> = (0..10).map(bot_state).collect();
    db.save_all(&bots).await.unwrap();
    // Every saved row is in memory; two are dropped and changed by SQL.
    for id in [3, 8] {
        db.invalidate::<BotState>(&id).unwrap();
        set_level_by_sql(&db, id, 77).await;
    }
    set_level_by_sql(&db, 5, 55).await; // still cached: not seen
    let keys: Vec<u32> = (0..12).collect();
    let loaded = db.load_many::<BotState>(&keys).await.unwrap();
    for (id, row) in keys.iter().zip(&loaded) {
        match id {
            3 | 8 => assert_eq!(row.as_ref().unwrap().level, 77),
            10 | 11 => assert_eq!(row, &None),
            _ => assert_eq!(row.as_ref(), Some(&bots[*id as usize])),
        }
    }
    let stats = stats_of(&db, "BotState");
    assert_eq!((stats.hits, stats.misses), (8, 4), "{stats:?}");
    // The misses that were found are in memory now.
    db.load_many::<BotState>(&[3, 8]).await.unwrap();
    assert_eq!(stats_of(&db, "BotState").hits, 10);
}

/// What the hooks saw, per test entity.
#[derive(Default)]
struct Seen {
    hits: AtomicU64,
    misses: AtomicU64,
    fills: AtomicU64,
    saves: AtomicU64,
    evicted: Mutex<Vec<u32>>,
}

static SEEN: std::sync::LazyLock<Seen> = std::sync::LazyLock::new(Seen::default);

#[derive(Default)]
struct Recorder;

impl CacheHooks<SmallCache> for Recorder {
    fn on_hit(&self, _key: &u32) {
        SEEN.hits.fetch_add(1, Ordering::Relaxed);
    }
    fn on_miss(&self, _key: &u32) {
        SEEN.misses.fetch_add(1, Ordering::Relaxed);
    }
    fn on_fill(&self, _value: &SmallCache) {
        SEEN.fills.fetch_add(1, Ordering::Relaxed);
    }
    fn on_save(&self, _value: &SmallCache) {
        SEEN.saves.fetch_add(1, Ordering::Relaxed);
    }
    fn on_evict(&self, value: &SmallCache) {
        SEEN.evicted.lock().unwrap().push(value.id);
    }
}

/// A cache of 16 with hooks attached by the derive.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "small_cache", cache(capacity = 16, hooks = Recorder))]
struct SmallCache {
    #[bot(key)]
    id: u32,
    payload: u32,
}

#[tokio::test]
async fn hooks_see_hits_misses_fills_saves_and_evictions_with_the_evicted_value() {
    let test = TestDb::new("cache_hooks").await;
    let db = test.bare_db(|b| b.register::<SmallCache>()).await;
    db.create_tables().await.unwrap();
    for id in 0..200 {
        db.save(&SmallCache {
            id,
            payload: id * 10,
        })
        .await
        .unwrap();
    }
    assert_eq!(SEEN.saves.load(Ordering::Relaxed), 200);
    let stats = stats_of(&db, "SmallCache");
    assert!(stats.len <= 16 && stats.evictions >= 184, "{stats:?}");
    let evicted = SEEN.evicted.lock().unwrap().clone();
    assert_eq!(evicted.len() as u64, stats.evictions);
    // Each evicted value is a saved row, given whole.
    let mut unique = evicted.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), evicted.len(), "a value evicted twice");
    for id in 0..200 {
        let loaded = db.load::<SmallCache>(&id).await.unwrap().unwrap();
        assert_eq!(loaded.payload, id * 10);
    }
    let (hits, misses, fills) = (
        SEEN.hits.load(Ordering::Relaxed),
        SEEN.misses.load(Ordering::Relaxed),
        SEEN.fills.load(Ordering::Relaxed),
    );
    assert_eq!(hits + misses, 200);
    assert!(misses >= 184 && fills == misses, "{hits} {misses} {fills}");
}

#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "short_lived", cache(capacity = 100, ttl_secs = 1))]
struct ShortLived {
    #[bot(key)]
    id: u32,
    payload: u32,
}

#[tokio::test]
async fn a_value_past_its_time_is_read_again() {
    let test = TestDb::new("cache_ttl").await;
    let db = test.bare_db(|b| b.register::<ShortLived>()).await;
    db.create_tables().await.unwrap();
    db.save(&ShortLived { id: 1, payload: 1 }).await.unwrap();
    let mut conn = test.conn().await;
    conn.query_drop("UPDATE short_lived SET payload = 2")
        .await
        .unwrap();
    assert_eq!(db.load::<ShortLived>(&1).await.unwrap().unwrap().payload, 1);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(db.load::<ShortLived>(&1).await.unwrap().unwrap().payload, 2);
    let stats = stats_of(&db, "ShortLived");
    assert_eq!(
        (stats.hits, stats.misses, stats.evictions),
        (1, 1, 1),
        "{stats:?}"
    );
}

#[tokio::test]
async fn the_builder_turns_caching_off_and_on() {
    let test = TestDb::new("cache_builder").await;
    let db = test
        .db_with(|b| {
            b.cache::<BotState>(None)
                .cache::<playerbot_db::bots::Equipment>(Some(CachePolicy {
                    capacity: 10,
                    ttl: None,
                }))
        })
        .await;
    assert!(db.cache_stats().iter().all(|s| s.entity != "BotState"));
    assert!(db.cache_stats().iter().any(|s| s.entity == "Equipment"));
    db.save(&bot_state(1)).await.unwrap();
    set_level_by_sql(&db, 1, 42).await;
    assert_eq!(db.load::<BotState>(&1).await.unwrap().unwrap().level, 42);
}

/// Writes in batches, transactions and bulk saves leave memory agreeing with the table,
/// also when they fail.
async fn every_kind_of_write_keeps_memory_true(test: TestDb) {
    let db = test.db().await;
    let mut bots: Vec<BotState> = (0..20).map(bot_state).collect();
    db.save_all(&bots).await.unwrap();
    // A batch.
    bots[1].level = 11;
    let mut batch = db.batch();
    batch.save(&bots[1]).delete::<BotState>(&2);
    batch.commit().await.unwrap();
    assert_eq!(db.load::<BotState>(&1).await.unwrap().unwrap().level, 11);
    assert_eq!(db.load::<BotState>(&2).await.unwrap(), None);
    // A live transaction, committed, then one rolled back.
    bots[3].level = 33;
    let mut tx = db.begin().await.unwrap();
    tx.save(&bots[3]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.load::<BotState>(&3).await.unwrap().unwrap().level, 33);
    let mut tx = db.begin().await.unwrap();
    tx.save(&BotState {
        level: 44,
        ..bots[4].clone()
    })
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(
        db.load::<BotState>(&4).await.unwrap().unwrap().level,
        bots[4].level
    );
    // A failed bulk save (NaN refused before sending): memory still agrees with the table.
    let mut bad = bots.clone();
    bad[5].level = 55;
    bad[6].x = f32::NAN;
    db.save_all(&bad).await.unwrap_err();
    assert_eq!(
        db.load::<BotState>(&5).await.unwrap().unwrap().level,
        bots[5].level
    );
    // Rows dropped a way the cache cannot name key by key: memory forgets the entity's rows.
    assert_eq!(
        db.load::<BotState>(&7).await.unwrap().as_ref(),
        Some(&bots[7])
    );
    db.truncate_partitions::<BotState>(0..10_000).await.unwrap();
    assert_eq!(db.load::<BotState>(&7).await.unwrap(), None);
}

/// Loads, saves and deletes of a few keys from many tasks at once, with a model of what each
/// key held: a load never returns a value older than the last write that finished before it
/// started (no stale fill from a load that began before a save).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_loads_saves_and_deletes_never_return_a_stale_value() {
    let test = TestDb::new("cache_no_stale").await;
    let db = Arc::new(test.db_with(|b| b.max_connections(8)).await);
    const KEYS: u32 = 4;
    // Per key: (version << 1) | deleted, of the last write that finished.
    let states: Arc<Vec<AtomicU64>> = Arc::new((0..KEYS).map(|_| AtomicU64::new(1)).collect());
    let until = std::time::Instant::now() + Duration::from_secs(4);
    let mut tasks = Vec::new();
    for key in 0..KEYS {
        // One writer per key, so its versions are ordered.
        let (db, states) = (Arc::clone(&db), Arc::clone(&states));
        tasks.push(tokio::spawn(async move {
            let mut version = 1u64;
            while std::time::Instant::now() < until {
                version += 1;
                if version.is_multiple_of(5) {
                    db.delete::<BotState>(&key).await.unwrap();
                    states[key as usize].store(version << 1 | 1, Ordering::SeqCst);
                } else {
                    let row = BotState {
                        updated_at: version as i64,
                        ..bot_state(key)
                    };
                    db.save(&row).await.unwrap();
                    states[key as usize].store(version << 1, Ordering::SeqCst);
                }
            }
            0
        }));
    }
    for reader in 0..6u32 {
        let (db, states) = (Arc::clone(&db), Arc::clone(&states));
        tasks.push(tokio::spawn(async move {
            let mut checks = 0u64;
            let mut n = reader;
            while std::time::Instant::now() < until {
                n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let key = (n >> 8) % KEYS;
                if n % 7 == 0 {
                    // Force misses, so loads race saves to fill.
                    db.invalidate::<BotState>(&key).unwrap();
                }
                let before = states[key as usize].load(Ordering::SeqCst);
                let loaded = if n % 3 == 0 {
                    db.load_many::<BotState>(&[key]).await.unwrap().remove(0)
                } else {
                    db.load::<BotState>(&key).await.unwrap()
                };
                let after = states[key as usize].load(Ordering::SeqCst);
                let (version, deleted) = (before >> 1, before & 1 == 1);
                match loaded {
                    Some(row) => {
                        let got = row.updated_at as u64;
                        assert!(
                            got >= version && !(deleted && got <= version),
                            "key {key}: loaded version {got}, but version {version} (deleted: {deleted}) had finished"
                        );
                    }
                    None => {
                        // A delete may have landed but not yet been noted: the writer's next
                        // version, or any version up to the one noted after the load.
                        let latest = (after >> 1) + 1;
                        let delete_since = (version + 1..=latest).any(|v| v % 5 == 0);
                        assert!(
                            deleted || delete_since || version == 1,
                            "key {key}: nothing loaded after version {version} was saved"
                        );
                    }
                }
                checks += 1;
            }
            checks
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    let stats = stats_of(&db, "BotState");
    println!("{total} checked loads; {stats:?}");
    assert!(total > 500, "only {total} loads checked");
    assert!(stats.hits > 0 && stats.misses > 0, "{stats:?}");
}

/// Writes and reads of cached rows cancelled at random points: afterwards memory agrees with
/// the table, whichever way each cancelled write went.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_calls_leave_memory_agreeing_with_the_table() {
    let test = TestDb::new("cache_cancel").await;
    let db = test.db_with(|b| b.max_connections(4)).await;
    let mut raw = test.conn().await;
    let bots: Vec<BotState> = (0..50).map(bot_state).collect();
    db.save_all(&bots).await.unwrap();
    let mut n = 0x9e37_79b9_u64;
    let mut next = |below: u64| {
        n ^= n << 13;
        n ^= n >> 7;
        n ^= n << 17;
        n % below
    };
    for round in 0..1_000u64 {
        let key = next(50) as u32;
        let deadline = Duration::from_micros(next(2_000));
        let row = BotState {
            updated_at: round as i64,
            ..bot_state(key)
        };
        let _ = match next(6) {
            0 => tokio::time::timeout(deadline, async { db.save(&row).await.map(drop) }).await,
            1 => {
                tokio::time::timeout(deadline, async {
                    db.delete::<BotState>(&key).await.map(drop)
                })
                .await
            }
            2 => {
                tokio::time::timeout(deadline, async {
                    let rows: Vec<BotState> = (0..10)
                        .map(|i| BotState {
                            updated_at: round as i64,
                            ..bot_state((key + i) % 50)
                        })
                        .collect();
                    db.save_all(&rows).await.map(drop)
                })
                .await
            }
            3 => {
                tokio::time::timeout(deadline, async {
                    let mut batch = db.batch();
                    batch.save(&row).delete::<BotState>(&((key + 1) % 50));
                    batch.commit().await
                })
                .await
            }
            4 => {
                tokio::time::timeout(deadline, async {
                    db.load::<BotState>(&key).await.map(drop)
                })
                .await
            }
            _ => {
                tokio::time::timeout(deadline, async {
                    db.load_many::<BotState>(&[key, (key + 1) % 50])
                        .await
                        .map(drop)
                })
                .await
            }
        };
        // A cancelled write may still land between two reads: the load must agree with
        // the table as it was just before or just after it.
        let check = next(50) as u32;
        let select = "SELECT updated_at FROM bot_state WHERE bot_id = ?";
        let before: Option<i64> = raw.exec_first(select, (check,)).await.unwrap();
        let loaded = db.load::<BotState>(&check).await.unwrap();
        let after: Option<i64> = raw.exec_first(select, (check,)).await.unwrap();
        let loaded = loaded.map(|row| row.updated_at);
        assert!(
            loaded == before || loaded == after,
            "round {round}: key {check} in memory is {loaded:?}, the table held {before:?} then {after:?}"
        );
    }
    // Once cancelled statements are over, memory and table agree on every key.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for key in 0..50u32 {
        let in_table: Option<i64> = raw
            .exec_first("SELECT updated_at FROM bot_state WHERE bot_id = ?", (key,))
            .await
            .unwrap();
        let loaded = db.load::<BotState>(&key).await.unwrap();
        assert_eq!(loaded.map(|row| row.updated_at), in_table, "key {key}");
    }
}

/// A bulk save puts every saved row in memory, also rows whose keys share a stripe of the
/// no-stale-fill bookkeeping (before, such rows counted as racing writes and were dropped).
#[tokio::test]
async fn every_row_of_a_bulk_save_is_in_memory_after_it() {
    let test = TestDb::new("cache_bulk_fill").await;
    let db = test.db().await;
    let bots: Vec<BotState> = (0..3_000).map(bot_state).collect();
    db.save_all(&bots).await.unwrap();
    assert_eq!(stats_of(&db, "BotState").len, 3_000);
    let keys: Vec<u32> = (0..3_000).collect();
    let loaded = db.load_many::<BotState>(&keys).await.unwrap();
    assert!(loaded
        .iter()
        .zip(&bots)
        .all(|(row, bot)| row.as_ref() == Some(bot)));
    let stats = stats_of(&db, "BotState");
    assert_eq!((stats.hits, stats.misses), (3_000, 0), "{stats:?}");
}

playerbot_db_tests::on_one_server_and_two_shards! {
    a_saved_bot_is_loaded_from_memory_and_a_deleted_one_is_gone: "cache_hit_after_save",
    load_many_answers_hits_from_memory_and_reads_only_the_misses: "cache_load_many",
    every_kind_of_write_keeps_memory_true: "cache_write_kinds",
}
