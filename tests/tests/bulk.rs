//! Bulk saves on a real server: sizes around the chunk boundaries, rows near the packet
//! limit, duplicate keys, partial-column updates, conflict policies, transaction scopes and
//! failures that name their chunk and key. Both ways of sending rows run on MariaDB.

use playerbot_db::bots::{BotEvent, BotState};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::{Atomicity, BulkMode, Conflict, Db, Error};
use playerbot_db_tests::entities::AllTypes;
use playerbot_db_tests::fixtures::{bot_event, bot_state};
use playerbot_db_tests::{query_number, TestDb};

async fn count(db: &Db, table: &str) -> u64 {
    query_number(db, &format!("SELECT COUNT(*) FROM `{table}`")).await
}

fn states(range: std::ops::Range<u32>, generation: u32) -> Vec<BotState> {
    range
        .map(|id| BotState {
            mana: generation,
            ..bot_state(id)
        })
        .collect()
}

async fn modes(db: &Db) -> Vec<BulkMode> {
    if db.flavor().await.unwrap().is_mariadb() {
        vec![BulkMode::BulkExecute, BulkMode::MultiRow]
    } else {
        vec![BulkMode::MultiRow]
    }
}

#[tokio::test]
async fn every_size_around_the_chunk_boundaries_lands_whole() {
    let test = TestDb::new("bulk_sizes").await;
    let db = test.db().await;
    for mode in modes(&db).await {
        for n in [1u32, 7, 999, 1_000, 1_001, 20_000] {
            db.conn()
                .await
                .unwrap()
                .query_drop("DELETE FROM bot_state")
                .await
                .unwrap();
            // Ids spread over several partitions (10,000 ids each) and past the last one.
            let rows: Vec<BotState> = (0..n)
                .map(|i| BotState {
                    mana: 1,
                    ..bot_state(i * 7)
                })
                .collect();
            let report = db.bulk::<BotState>().mode(mode).save(&rows).await.unwrap();
            assert_eq!(
                (report.rows, report.duplicates, report.mode),
                (n as usize, 0, mode)
            );
            assert_eq!(count(&db, "bot_state").await, u64::from(n), "{mode:?} {n}");
            // Same rows, new values: every row updated.
            let changed: Vec<BotState> = rows
                .iter()
                .map(|r| BotState {
                    mana: 2,
                    ..r.clone()
                })
                .collect();
            db.bulk::<BotState>()
                .mode(mode)
                .save(&changed)
                .await
                .unwrap();
            let ids: Vec<u32> = rows.iter().map(|r| r.bot_id).collect();
            let loaded = db.load_many::<BotState>(&ids).await.unwrap();
            assert!(
                loaded
                    .iter()
                    .zip(&changed)
                    .all(|(l, c)| l.as_ref() == Some(c)),
                "{mode:?} {n}"
            );
        }
    }
}

#[tokio::test]
async fn statements_stay_within_one_partition() {
    let test = TestDb::new("bulk_partitions").await;
    let db = test.db().await;
    // 3 rows in each of p0..p2 and pmax, interleaved.
    let rows: Vec<BotState> = (0..12u32)
        .map(|i| bot_state((i % 4) * 30_000 + i))
        .collect();
    let report = db
        .bulk::<BotState>()
        .mode(BulkMode::MultiRow)
        .save(&rows)
        .await
        .unwrap();
    assert_eq!(report.chunks, 4, "one statement per partition: {report:?}");
    assert_eq!(count(&db, "bot_state").await, 12);
}

#[tokio::test]
async fn rows_near_the_packet_limit_force_smaller_chunks() {
    let test = TestDb::new("bulk_packet_limit").await;
    let db = test.db().await;
    let packet = db.conn().await.unwrap().max_allowed_packet();
    // 60 KB rows: 300 of them exceed a 16 MB packet, so no 1000- or 250-row statement fits.
    let rows: Vec<AllTypes> = (0..300u64)
        .map(|id| AllTypes {
            long_bytes: vec![(id % 251) as u8; 60_000],
            ..AllTypes::sample(id)
        })
        .collect();
    for mode in modes(&db).await {
        db.conn()
            .await
            .unwrap()
            .query_drop("DELETE FROM all_types")
            .await
            .unwrap();
        let report = db.bulk::<AllTypes>().mode(mode).save(&rows).await.unwrap();
        if mode == BulkMode::MultiRow {
            assert!(
                report.chunks > (300 * 60_000) / packet,
                "{report:?} with packet {packet}"
            );
        }
        let loaded = db
            .load_many::<AllTypes>(&(0..300).collect::<Vec<_>>())
            .await
            .unwrap();
        assert!(
            loaded.iter().zip(&rows).all(|(l, r)| l.as_ref() == Some(r)),
            "{mode:?}"
        );
    }
    // A single row over the packet is refused up front, naming it.
    let huge = AllTypes {
        long_bytes: vec![0; packet + 1],
        ..AllTypes::sample(9_999)
    };
    let err = db
        .bulk::<AllTypes>()
        .mode(BulkMode::MultiRow)
        .save(&[huge])
        .await;
    // (TEXT/BLOB validation may catch it first: either way it is refused and named.)
    let message = err.unwrap_err().to_string();
    assert!(message.contains("9999"), "{message}");
}

#[tokio::test]
async fn duplicate_keys_in_one_call_keep_the_last_row() {
    let test = TestDb::new("bulk_duplicates").await;
    let db = test.db().await;
    for mode in modes(&db).await {
        let rows = vec![
            bot_event(1, "a", 1),
            bot_event(1, "b", 1),
            bot_event(1, "a", 2),
            bot_event(2, "a", 1),
            bot_event(1, "a", 3),
        ];
        let report = db.bulk::<BotEvent>().mode(mode).save(&rows).await.unwrap();
        assert_eq!((report.rows, report.duplicates), (3, 2));
        let values: Vec<Option<i64>> = db
            .load_many::<BotEvent>(&[(1, "a".into()), (1, "b".into()), (2, "a".into())])
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.map(|e| e.value))
            .collect();
        assert_eq!(values, vec![Some(3), Some(1), Some(1)], "{mode:?}");
    }
}

#[tokio::test]
async fn partial_column_upsert_leaves_other_columns_untouched() {
    let test = TestDb::new("bulk_partial_columns").await;
    let db = test.db().await;
    for mode in modes(&db).await {
        db.save_all(&states(0..100, 1)).await.unwrap();
        // A position-only save: new x/y/z and a health that must not be written.
        let moved: Vec<BotState> = (0..120)
            .map(|id| BotState {
                x: 1.5,
                y: 2.5,
                z: 3.5,
                health: 0,
                mana: 9,
                ..bot_state(id)
            })
            .collect();
        db.bulk::<BotState>()
            .mode(mode)
            .update_only(&[BotState::X, BotState::Y, BotState::Z])
            .save(&moved)
            .await
            .unwrap();
        let loaded = db
            .load_many::<BotState>(&(0..120).collect::<Vec<_>>())
            .await
            .unwrap();
        for (id, row) in loaded.into_iter().enumerate() {
            let row = row.unwrap();
            assert_eq!((row.x, row.y, row.z), (1.5, 2.5, 3.5), "{mode:?}");
            if id < 100 {
                assert_eq!(
                    (row.health, row.mana),
                    (bot_state(id as u32).health, 1),
                    "existing rows keep the rest"
                );
            } else {
                assert_eq!(
                    (row.health, row.mana),
                    (0, 9),
                    "new rows are inserted whole"
                );
            }
        }
    }
}

#[tokio::test]
async fn ignore_keeps_existing_rows_and_inserts_new_ones() {
    let test = TestDb::new("bulk_ignore").await;
    let db = test.db().await;
    db.save_all(&states(0..10, 1)).await.unwrap();
    db.bulk::<BotState>()
        .on_conflict(Conflict::Ignore)
        .save(&states(5..15, 2))
        .await
        .unwrap();
    let manas: Vec<u32> = db
        .load_many::<BotState>(&(0..15).collect::<Vec<_>>())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap().mana)
        .collect();
    assert_eq!(manas, [vec![1; 10], vec![2; 5]].concat());
}

#[tokio::test]
async fn a_failing_chunk_rolls_back_the_whole_call_and_names_chunk_and_key() {
    let test = TestDb::new("bulk_failure").await;
    let db = test.db().await;
    for mode in modes(&db).await {
        db.conn()
            .await
            .unwrap()
            .query_drop("DELETE FROM all_types")
            .await
            .unwrap();
        // Row 1500 has a value the server refuses (DECIMAL(12,0) overflow): chunk 2 fails.
        let mut rows: Vec<AllTypes> = (0..2_000u64).map(AllTypes::sample).collect();
        rows[1_500].money = i64::MAX;
        let err = db
            .bulk::<AllTypes>()
            .mode(mode)
            .atomicity(Atomicity::WholeCall)
            .save(&rows)
            .await
            .unwrap_err();
        match &err {
            Error::InvalidValue {
                entity,
                key,
                column,
                ..
            } => {
                assert_eq!(
                    (*entity, key.as_str(), column.as_str()),
                    ("AllTypes", "1500", "money"),
                    "{mode:?}"
                )
            }
            other => panic!("{mode:?}: expected InvalidValue, got {other:?}"),
        }
        assert_eq!(
            count(&db, "all_types").await,
            0,
            "{mode:?}: nothing of the call is kept"
        );

        // Fixed and retried: the same call is safe to run again.
        rows[1_500].money = 1;
        db.bulk::<AllTypes>().mode(mode).save(&rows).await.unwrap();
        db.bulk::<AllTypes>().mode(mode).save(&rows).await.unwrap();
        assert_eq!(count(&db, "all_types").await, 2_000);
    }
}

#[tokio::test]
async fn per_chunk_transactions_keep_the_chunks_before_a_failure() {
    let test = TestDb::new("bulk_per_chunk").await;
    let db = test.db().await;
    let mut rows: Vec<AllTypes> = (0..2_500u64).map(AllTypes::sample).collect();
    rows[2_200].money = i64::MAX;
    let err = db
        .bulk::<AllTypes>()
        .mode(BulkMode::MultiRow)
        .atomicity(Atomicity::PerChunk)
        .save(&rows)
        .await
        .unwrap_err();
    assert!(err.is_invalid_value(), "{err}");
    // 1000-row chunks: the first two committed, the third (with row 2200) did not, and the
    // error says so.
    assert!(
        matches!(
            err,
            Error::PartlySaved {
                saved_chunks: 2,
                chunks: 3,
                saved_rows: 2_000,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(count(&db, "all_types").await, 2_000);
}

#[tokio::test]
async fn server_errors_name_the_chunk() {
    let test = TestDb::new("bulk_chunk_names").await;
    let db = test.db().await;
    db.conn()
        .await
        .unwrap()
        .query_drop("ALTER TABLE bot_event ADD CONSTRAINT positive CHECK (value >= 0)")
        .await
        .unwrap();
    // Zero-padded names: rows are written in key order, which is then the order given.
    let mut rows: Vec<BotEvent> = (0..1_200)
        .map(|i| bot_event(1, &format!("e{i:04}"), 1))
        .collect();
    rows[1_100].value = -1;
    let err = db
        .bulk::<BotEvent>()
        .mode(BulkMode::MultiRow)
        .save(&rows)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("chunk 2 of 2") && text.contains("BotEvent"),
        "{text}"
    );
    assert_eq!(count(&db, "bot_event").await, 0);
}

#[tokio::test]
async fn bad_rows_are_refused_before_anything_is_sent() {
    let test = TestDb::new("bulk_validation").await;
    let db = test.db().await;
    let mut rows = states(0..50, 1);
    rows[31].orientation = f32::NAN;
    match db.save_all(&rows).await.unwrap_err() {
        Error::InvalidValue { key, column, .. } => {
            assert_eq!((key.as_str(), column.as_str()), ("31", "orientation"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&db, "bot_state").await, 0);
    let err = db
        .bulk::<BotState>()
        .update_only(&[BotState::BOT_ID])
        .save(&rows)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::EmptyUpdate { .. }), "{err:?}");
}

#[tokio::test]
async fn multi_row_statements_are_prepared_once_per_size() {
    // One connection, on a private server whose global counter of prepares counts this
    // pool's and nobody else's (raw access through the pool would reset a session counter).
    let server = playerbot_db_embedded::EmbeddedServer::start()
        .await
        .expect("embedded server");
    let db = playerbot_db_tests::private_game_db(&server, |b| b.max_connections(1)).await;
    let mut admin = playerbot_db::mysql_async::Conn::new(
        playerbot_db_embedded::connect_opts(&server.url(), None).unwrap(),
    )
    .await
    .unwrap();
    let mut prepares = async || -> u64 {
        let row: Option<(String, u64)> = admin
            .query_first("SHOW GLOBAL STATUS LIKE 'Com_stmt_prepare'")
            .await
            .unwrap();
        row.unwrap().1
    };
    let sizes = [1u32, 7, 999, 1_000, 1_001, 20_000];
    let round = async |generation: u32| {
        for n in sizes {
            let rows: Vec<BotState> = (0..n)
                .map(|id| BotState {
                    mana: generation,
                    ..bot_state(id)
                })
                .collect();
            db.bulk::<BotState>()
                .mode(BulkMode::MultiRow)
                .save(&rows)
                .await
                .unwrap();
        }
    };
    let before = prepares().await;
    round(1).await;
    let first = prepares().await - before;
    // Six calls of 1 to 20,000 rows use only the fixed statement sizes: few prepares.
    assert!(first <= 6, "{first} prepares for the first round");
    round(2).await;
    assert_eq!(
        prepares().await - before,
        first,
        "the second round prepares nothing"
    );
}

/// Overlapping bulk saves from many tasks, each given its rows in a random order: every call
/// writes in one global order (partition, then key), so no two lock rows in opposite orders
/// and none deadlocks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_bulk_saves_never_deadlock() {
    let test = TestDb::new("bulk_lock_order").await;
    let db = test.db_with(|b| b.max_connections(32)).await;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let tasks: Vec<_> = (0..32u64)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut state = task.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                let mut next = move |n: u64| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state % n
                };
                let mut calls = 0u32;
                while std::time::Instant::now() < until {
                    let rows: Vec<BotState> = (0..50 + next(450))
                        .map(|_| bot_state(next(30_000) as u32))
                        .collect();
                    db.save_all(&rows).await.unwrap();
                    calls += 1;
                }
                calls
            })
        })
        .collect();
    let mut calls = 0;
    for task in tasks {
        calls += task.await.unwrap();
    }
    let stats = db.stats();
    println!("{calls} overlapping bulk saves from 32 tasks: {stats:?}");
    assert_eq!(stats.retries, 0, "deadlocks or lock waits were retried");
}

/// On a table whose engine cannot roll back (MyISAM), a bulk save cannot be all or nothing:
/// it is refused unless allowed, and when allowed a failure says exactly which rows stay.
#[tokio::test]
async fn bulk_saves_to_a_table_that_cannot_roll_back() {
    let test = TestDb::new("bulk_myisam").await;
    let db = test.db().await;
    db.conn()
        .await
        .unwrap()
        .query_drop("ALTER TABLE all_types ENGINE=MyISAM")
        .await
        .unwrap();
    let mut rows: Vec<AllTypes> = (0..4_000u64).map(AllTypes::sample).collect();
    rows[2_001].money = i64::MAX; // out of range for DECIMAL(12,0)
    let err = db.save_all(&rows).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotTransactional { table: "all_types", engine, .. } if engine == "MyISAM"),
        "{err:?}"
    );
    assert_eq!(
        count(&db, "all_types").await,
        0,
        "refused before anything was sent"
    );

    for mode in [BulkMode::BulkExecute, BulkMode::MultiRow] {
        db.conn()
            .await
            .unwrap()
            .query_drop("TRUNCATE TABLE all_types")
            .await
            .unwrap();
        let err = db
            .bulk::<AllTypes>()
            .mode(mode)
            .allow_partial_writes(true)
            .save(&rows)
            .await
            .unwrap_err();
        match &err {
            Error::PartlySaved {
                saved_rows, source, ..
            } => {
                assert_eq!(*saved_rows, 2_001, "{mode:?}: {err}");
                assert!(source.is_invalid_value(), "{source}");
                assert!(source.to_string().contains("key 2001"), "{source}");
            }
            other => panic!("{mode:?}: expected PartlySaved: {other:?}"),
        }
        assert_eq!(
            count(&db, "all_types").await,
            2_001,
            "{mode:?}: exactly those rows"
        );
    }
}
