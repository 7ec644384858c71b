//! Point loads of many tasks at once are served by few statements (`DbBuilder::coalesce`):
//! each caller gets exactly its own row, a lone caller waits for nobody, and callers dropped
//! at random points leave the others their answers and the gate free.

use std::time::Duration;

use playerbot_db::bots::BotState;
use playerbot_db::Db;
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::TestDb;

const BOTS: u32 = 1_000;

/// A small xorshift generator: spread, not quality.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Bots `0..BOTS` saved (even ids only: odd keys have no row), every load from the server.
async fn seeded(
    test: &TestDb,
    configure: impl FnOnce(playerbot_db::DbBuilder) -> playerbot_db::DbBuilder,
) -> Db {
    let db = test
        .db_with(|builder| configure(builder.cache::<BotState>(None).max_connections(64)))
        .await;
    let rows: Vec<BotState> = (0..BOTS).step_by(2).map(bot_state).collect();
    db.save_all(&rows).await.unwrap();
    db
}

fn expected(key: u32) -> Option<BotState> {
    (key.is_multiple_of(2) && key < BOTS).then(|| bot_state(key))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_loading_at_once_each_get_their_own_row_from_few_statements() {
    let test = TestDb::new("coalesce_many").await;
    let db = seeded(&test, |builder| builder).await;
    let tasks: Vec<_> = (0..64u64)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut rng = Rng::new(task + 1);
                for _ in 0..200 {
                    let key = rng.below(u64::from(BOTS) + 50) as u32;
                    let loaded = db.load::<BotState>(&key).await.unwrap();
                    assert_eq!(loaded, expected(key), "task {task}, key {key}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let stats = db.coalesce_stats();
    // 12,800 loads by 64 tasks: most joined a statement, and statements served several.
    assert!(stats.calls > 1_000, "{stats:?}");
    assert!(stats.statements * 2 < stats.calls, "{stats:?}");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_caller_runs_its_own_statement_and_coalescing_can_be_turned_off() {
    let test = TestDb::new("coalesce_lone").await;
    let db = seeded(&test, |builder| builder).await;
    for key in 0..500 {
        assert_eq!(db.load::<BotState>(&key).await.unwrap(), expected(key));
    }
    // Nobody was at the server beside it: no load joined another's statement.
    assert_eq!(db.coalesce_stats().calls, 0);
    db.close().await;

    let off = seeded(&test, |builder| builder.coalesce(0)).await;
    let tasks: Vec<_> = (0..16u32)
        .map(|task| {
            let db = off.clone();
            tokio::spawn(async move {
                for key in (task..BOTS).step_by(16) {
                    assert_eq!(db.load::<BotState>(&key).await.unwrap(), expected(key));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(off.coalesce_stats().calls, 0);
    off.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_dropped_at_random_points_leave_the_others_their_rows() {
    let test = TestDb::new("coalesce_cancel").await;
    let db = seeded(&test, |builder| builder).await;
    let tasks: Vec<_> = (0..48u64)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut rng = Rng::new(task + 100);
                let mut answered = 0u32;
                for _ in 0..300 {
                    let key = rng.below(u64::from(BOTS)) as u32;
                    // Half the loads get a deadline of 0-2 ms: dropped waiting to join, while
                    // leading a statement, or with an answer unread.
                    let load = db.load::<BotState>(&key);
                    let loaded = if rng.below(2) == 0 {
                        match tokio::time::timeout(Duration::from_micros(rng.below(2_000)), load)
                            .await
                        {
                            Ok(loaded) => loaded,
                            Err(_) => continue,
                        }
                    } else {
                        load.await
                    };
                    assert_eq!(loaded.unwrap(), expected(key), "task {task}, key {key}");
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
    assert!(answered > 0);
    // Nothing is left holding the turn: every key still loads, from one task and from many.
    let check = async {
        for key in 0..BOTS {
            assert_eq!(db.load::<BotState>(&key).await.unwrap(), expected(key));
        }
    };
    tokio::time::timeout(Duration::from_secs(60), check)
        .await
        .expect("no load waits on a statement nobody runs");
    assert!(db.coalesce_stats().statements > 0);
    db.close().await;
}
