//! Key-prefix reads (`load_by`) of many tasks at once are served by few statements: each
//! caller gets exactly the rows holding its own value, in key order, also when callers are
//! dropped at random points; the gate is free afterwards.

use std::time::Duration;

use playerbot_db::bots::BotEvent;
use playerbot_db::Db;
use playerbot_db_tests::rng::Rng;
use playerbot_db_tests::TestDb;

/// Bots with events: bot `b` has `b % 5` of them (some none).
const BOTS: u32 = 300;

/// Bot `bot`'s events in key order (names sort as written).
fn events_of(bot: u32) -> Vec<BotEvent> {
    if bot >= BOTS {
        return Vec::new();
    }
    (0..bot % 5)
        .map(|n| BotEvent {
            bot_id: bot,
            event: format!("event_{n}"),
            value: i64::from(bot * 10 + n),
            expires_at: 1_900_000_000,
        })
        .collect()
}

async fn seeded(test: &TestDb) -> Db {
    let db = test.db_with(|builder| builder.max_connections(64)).await;
    let rows: Vec<BotEvent> = (0..BOTS).flat_map(events_of).collect();
    db.save_all(&rows).await.unwrap();
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_reading_a_key_prefix_each_get_their_own_rows_even_when_dropped() {
    let test = TestDb::new("coalesce_lookups").await;
    let db = seeded(&test).await;
    let tasks: Vec<_> = (0..48u64)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut rng = Rng::new(task + 7);
                let mut answered = 0u32;
                for _ in 0..150 {
                    let bot = rng.below(u64::from(BOTS) + 20) as u32;
                    let lookup = BotEvent::by_bot_id(bot);
                    let read = db.load_by(&lookup);
                    // A third of the reads get a deadline of 0-2 ms: dropped waiting to join,
                    // while leading a statement, or with an answer unread.
                    let rows = if rng.below(3) == 0 {
                        let deadline = Duration::from_micros(rng.below(2_000));
                        match tokio::time::timeout(deadline, read).await {
                            Ok(rows) => rows,
                            Err(_) => continue,
                        }
                    } else {
                        read.await
                    };
                    assert_eq!(rows.unwrap(), events_of(bot), "task {task}, bot {bot}");
                    answered += 1;
                }
                answered
            })
        })
        .collect();
    let mut answered = 0;
    for task in tasks {
        answered += task.await.unwrap();
    }
    assert!(answered > 3_000, "{answered} reads answered");
    let stats = db.coalesce_stats();
    assert!(stats.lookups > 500, "{stats:?}");
    assert!(stats.lookup_statements * 2 < stats.lookups, "{stats:?}");
    // Nothing is left holding the turn: every bot still reads its rows.
    let check = async {
        for bot in 0..BOTS {
            let rows = db.load_by(&BotEvent::by_bot_id(bot)).await.unwrap();
            assert_eq!(rows, events_of(bot));
        }
    };
    tokio::time::timeout(Duration::from_secs(60), check)
        .await
        .expect("no read waits on a statement nobody runs");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_reader_runs_the_lookups_own_statement() {
    let test = TestDb::new("coalesce_lookup_lone").await;
    let db = seeded(&test).await;
    for bot in 0..BOTS {
        let rows = db.load_by(&BotEvent::by_bot_id(bot)).await.unwrap();
        assert_eq!(rows, events_of(bot));
    }
    assert_eq!(db.coalesce_stats().lookups, 0);
    db.close().await;
}
