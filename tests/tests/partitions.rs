//! RANGE partition maintenance on a real server: listing with counts, splitting `pmax` while
//! writes run, removing ranges, and pruning by key checked with EXPLAIN.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use playerbot_db::bots::{BotEvent, BotState};
use playerbot_db::partitions::PartitionInfo;
use playerbot_db::Error;
use playerbot_db_tests::fixtures::{bot_event, bot_state};
use playerbot_db_tests::TestDb;

fn names(partitions: &[PartitionInfo]) -> Vec<&str> {
    partitions.iter().map(|p| p.name.as_str()).collect()
}

#[tokio::test]
async fn partitions_are_listed_with_bounds_and_exact_counts() {
    let test = TestDb::new("partitions_listed").await;
    let db = test.db().await;
    let rows: Vec<BotState> = [0, 1, 9_999, 10_000, 25_000, 500_000]
        .into_iter()
        .map(bot_state)
        .collect();
    db.save_all(&rows).await.unwrap();
    let partitions = db.partitions::<BotState>().await.unwrap();
    assert_eq!(
        names(&partitions),
        ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "pmax"]
    );
    let counts: Vec<u64> = partitions.iter().map(|p| p.rows).collect();
    assert_eq!(counts, [3, 1, 1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(
        (partitions[1].lower, partitions[1].upper),
        (10_000, Some(20_000))
    );
    assert_eq!((partitions[8].lower, partitions[8].upper), (80_000, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn splitting_pmax_while_writes_run_loses_nothing() {
    let test = TestDb::new("partitions_split_under_writes").await;
    let db = test.db().await;
    // Rows past the initial partitions, all in pmax.
    let first: Vec<BotState> = (80_000..80_000 + 30_000)
        .step_by(10)
        .map(bot_state)
        .collect();
    db.save_all(&first).await.unwrap();

    // Writers keep saving new bots with growing ids while pmax is reorganized.
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU32::new(120_000));
    let writers: Vec<_> = (0..3)
        .map(|_| {
            let (db, stop, next) = (db.clone(), stop.clone(), next.clone());
            tokio::spawn(async move {
                let mut written = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let id = next.fetch_add(1, Ordering::SeqCst);
                    db.save(&bot_state(id)).await.unwrap();
                    written.push(id);
                }
                written
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let added = db.ensure_partitions::<BotState>(50_000).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    stop.store(true, Ordering::SeqCst);
    let mut written = Vec::new();
    for writer in writers {
        written.extend(writer.await.unwrap());
    }
    assert!(!written.is_empty());

    // Partitions now reach past the highest id seen when maintenance ran, plus headroom.
    assert_eq!(added.first().map(String::as_str), Some("p8"));
    let partitions = db.partitions::<BotState>().await.unwrap();
    assert_eq!(partitions.last().unwrap().name, "pmax");
    let covered = partitions.iter().rev().nth(1).unwrap().upper.unwrap();
    assert!(covered > 109_990 + 50_000, "covered up to {covered}");
    // Every row is still there, exactly once.
    let total: u64 = partitions.iter().map(|p| p.rows).sum();
    assert_eq!(total, (first.len() + written.len()) as u64);
    let mut ids: Vec<u32> = first.iter().map(|r| r.bot_id).collect();
    ids.extend(&written);
    let loaded = db.load_many::<BotState>(&ids).await.unwrap();
    assert!(loaded
        .iter()
        .zip(&ids)
        .all(|(row, id)| row.as_ref() == Some(&bot_state(*id))));
    // The rows were spread out of pmax into the new partitions.
    let p8 = partitions.iter().find(|p| p.name == "p8").unwrap();
    assert_eq!(p8.rows, 1_000);

    // Nothing to do the second time.
    assert!(db
        .ensure_partitions::<BotState>(50_000)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn whole_ranges_are_truncated_or_dropped() {
    let test = TestDb::new("partitions_ranges").await;
    let db = test.db().await;
    let rows: Vec<BotState> = (0..40_000).step_by(100).map(bot_state).collect();
    db.save_all(&rows).await.unwrap();

    // [10,000, 30,000) covers p1 and p2 exactly; p3 only overlaps [25,000, 35,000).
    assert_eq!(
        db.truncate_partitions::<BotState>(10_000..30_000)
            .await
            .unwrap(),
        ["p1", "p2"]
    );
    assert!(db
        .truncate_partitions::<BotState>(25_000..35_000)
        .await
        .unwrap()
        .is_empty());
    let counts: Vec<u64> = db
        .partitions::<BotState>()
        .await
        .unwrap()
        .iter()
        .map(|p| p.rows)
        .collect();
    assert_eq!(&counts[..4], &[100, 0, 0, 100]);
    assert!(db.exists::<BotState>(&30_000).await.unwrap());

    assert_eq!(
        db.drop_partitions::<BotState>(30_000..40_000)
            .await
            .unwrap(),
        ["p3"]
    );
    let partitions = db.partitions::<BotState>().await.unwrap();
    assert!(!names(&partitions).contains(&"p3"));
    assert!(
        !db.exists::<BotState>(&30_000).await.unwrap(),
        "dropping a partition drops its rows"
    );
    // Ids of the dropped range now go to the next partition up.
    db.save(&bot_state(35_000)).await.unwrap();
    assert_eq!(
        partitions.iter().find(|p| p.name == "p4").unwrap().lower,
        30_000
    );
}

#[tokio::test]
async fn loads_and_deletes_by_key_prune_to_one_partition() {
    let test = TestDb::new("partitions_pruning").await;
    let db = test.db().await;
    db.save_all(
        &(0..50_000)
            .step_by(1_000)
            .map(bot_state)
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    let plan = db.explain_key::<BotState>(&23_000).await.unwrap();
    assert_eq!(plan.select_by_key, ["p2"]);
    assert_eq!(plan.delete_by_key, ["p2"]);
    // (For a key with no row the optimizer stops at "impossible WHERE" and names none.)
    db.save(&bot_state(999_999)).await.unwrap();
    let plan = db.explain_key::<BotState>(&999_999).await.unwrap();
    assert_eq!(plan.select_by_key, ["pmax"]);

    db.save(&bot_event(45_001, "quest", 1)).await.unwrap();
    let plan = db
        .explain_key::<BotEvent>(&(45_001, "quest".to_owned()))
        .await
        .unwrap();
    assert_eq!(plan.select_by_key, ["p4"]);
    assert_eq!(plan.delete_by_key, ["p4"]);
}

#[tokio::test]
async fn maintenance_on_an_unpartitioned_entity_is_a_clear_error() {
    let test = TestDb::new("partitions_unpartitioned").await;
    let db = test.db().await;
    let err = db
        .ensure_partitions::<playerbot_db::bots::AiValue>(10)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("AiValue is not partitioned"),
        "{err}"
    );
}

/// An outlier id far past the partitions in place: the work is counted first and refused
/// with a typed error naming the table, instead of a raw server error (1499) or a statement
/// larger than a packet.
#[tokio::test]
async fn an_outlier_id_asking_for_too_many_partitions_is_refused() {
    let test = TestDb::new("partition_limit").await;
    let db = test.db().await;
    db.save(&bot_state(4_000_000_000)).await.unwrap();
    let before = db.partitions::<BotState>().await.unwrap();
    let err = db.ensure_partitions::<BotState>(10_000).await.unwrap_err();
    match &err {
        Error::TooManyPartitions {
            table, id, limit, ..
        } => {
            assert_eq!(*table, "bot_state");
            assert_eq!(*id, 4_000_010_000);
            assert_eq!(*limit, 8_192);
        }
        other => panic!("expected TooManyPartitions: {other:?}"),
    }
    assert_eq!(db.partitions::<BotState>().await.unwrap(), before);
}

#[tokio::test]
async fn partitions_of_a_table_that_does_not_exist_is_an_error() {
    let test = TestDb::new("partition_no_table").await;
    let db = test.bare_db(|b| b.register::<BotState>()).await;
    let err = db.partitions::<BotState>().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NoSuchTable {
                entity: "BotState",
                table: "bot_state"
            }
        ),
        "{err:?}"
    );
}

/// Partition names read back from the server go into SQL quoted, whatever they hold.
#[tokio::test]
async fn partition_names_with_backticks_are_quoted() {
    let test = TestDb::new("partition_backtick").await;
    let db = test.db().await;
    db.save(&bot_state(85_000)).await.unwrap();
    let mut conn = test.conn().await;
    use playerbot_db::mysql_async::prelude::Queryable;
    conn.query_drop(
        "ALTER TABLE bot_state REORGANIZE PARTITION pmax INTO \
         (PARTITION `we``ird` VALUES LESS THAN (90000), PARTITION pmax VALUES LESS THAN MAXVALUE)",
    )
    .await
    .unwrap();
    let partitions = db.partitions::<BotState>().await.unwrap();
    let weird = partitions.iter().find(|p| p.name == "we`ird").unwrap();
    assert_eq!(
        (weird.lower, weird.upper, weird.rows),
        (80_000, Some(90_000), 1)
    );
    let truncated = db
        .truncate_partitions::<BotState>(80_000..90_000)
        .await
        .unwrap();
    assert_eq!(truncated, vec!["we`ird".to_owned()]);
}
