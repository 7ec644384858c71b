//! Point loads and saves of many tasks at once are served by few statements
//! (`DbBuilder::coalesce`): each caller gets exactly its own row or result, a lone caller
//! waits for nobody, a save refused for its own row fails alone, and callers dropped at
//! random points leave the others their answers and the gate free.

use std::time::Duration;

use playerbot_db::bots::BotState;
use playerbot_db::Db;
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::rng::Rng;
use playerbot_db_tests::TestDb;

const BOTS: u32 = 1_000;

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
    assert!(stats.loads > 1_000, "{stats:?}");
    assert!(stats.load_statements * 2 < stats.loads, "{stats:?}");
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
    assert_eq!(db.coalesce_stats().loads, 0);
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
    assert_eq!(off.coalesce_stats().loads, 0);
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
    assert!(db.coalesce_stats().load_statements > 0);
    db.close().await;
}

/// Bot `id` at `version` (kept in `updated_at`).
fn at_version(id: u32, version: u32) -> BotState {
    BotState {
        updated_at: i64::from(version),
        ..bot_state(id)
    }
}

/// `bot_id → updated_at` as the table holds it.
async fn versions(test: &TestDb) -> std::collections::HashMap<u32, u32> {
    use playerbot_db::mysql_async::prelude::Queryable;
    let mut conn = test.conn().await;
    let rows: Vec<(u32, i64)> = conn
        .query("SELECT bot_id, updated_at FROM bot_state")
        .await
        .unwrap();
    rows.into_iter().map(|(id, v)| (id, v as u32)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_saving_at_once_share_transactions_and_each_row_is_committed() {
    let test = TestDb::new("coalesce_saves").await;
    let db = seeded(&test, |builder| builder).await;
    let tasks: Vec<_> = (0..64u32)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                // Each task owns bots task, task + 64, …; its saves of one bot climb.
                for version in 1..=20 {
                    for bot in (task..BOTS).step_by(64).take(3) {
                        db.save(&at_version(bot, version)).await.unwrap();
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let held = versions(&test).await;
    for task in 0..64u32 {
        for bot in (task..BOTS).step_by(64).take(3) {
            assert_eq!(held.get(&bot), Some(&20), "bot {bot}: its last save");
        }
    }
    let stats = db.coalesce_stats();
    // 3,840 saves by 64 tasks: most joined a bulk save, and each served several.
    assert!(stats.saves > 500, "{stats:?}");
    assert!(stats.save_statements * 2 < stats.saves, "{stats:?}");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_that_fails_alone_does_not_fail_the_saves_it_joined() {
    use playerbot_db::ErrorKind;
    use playerbot_db_tests::entities::BotAccount;
    let test = TestDb::new("coalesce_conflict").await;
    // A copy function for BotAccount (it has no cache attribute) lets its saves coalesce.
    let db = test
        .db_with(|builder| builder.cache::<BotAccount>(None))
        .await;
    let account = |bot_id: u32, name: &str| BotAccount {
        bot_id,
        name: name.into(),
        account_id: 1,
    };
    db.save(&account(1, "taken")).await.unwrap();
    for round in 0..30u32 {
        let tasks: Vec<_> = (0..16u32)
            .map(|task| {
                let db = db.clone();
                tokio::spawn(async move {
                    let bot_id = 100 + task;
                    // Task 0 takes a name another bot holds: refused, for it alone.
                    let name = if task == 0 {
                        "taken".to_owned()
                    } else {
                        format!("b{bot_id}r{round}")
                    };
                    (task, db.save(&account(bot_id, &name)).await)
                })
            })
            .collect();
        for task in tasks {
            let (task, saved) = task.await.unwrap();
            if task == 0 {
                let err = saved.expect_err("the name is another bot's");
                assert_eq!(err.kind(), ErrorKind::DuplicateKey, "{err:?}");
            } else {
                saved.unwrap_or_else(|err| panic!("round {round}, task {task}: {err:?}"));
            }
        }
    }
    for task in 1..16u32 {
        let bot_id = 100 + task;
        let held = db.load::<BotAccount>(&bot_id).await.unwrap().unwrap();
        assert_eq!(held.name, format!("b{bot_id}r29"));
    }
    assert_eq!(db.load::<BotAccount>(&1).await.unwrap().unwrap().bot_id, 1);
    assert_eq!(db.load::<BotAccount>(&100).await.unwrap(), None);
    assert!(db.coalesce_stats().saves > 0, "{:?}", db.coalesce_stats());
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_dropped_at_random_points_land_or_not_and_leave_the_others_theirs() {
    let test = TestDb::new("coalesce_save_cancel").await;
    let db = seeded(&test, |builder| builder).await;
    let tasks: Vec<_> = (0..32u32)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut rng = Rng::new(u64::from(task) + 500);
                let bot = task * 2;
                // The last version whose save returned Ok (the seeded row's at first), and
                // every version tried after it.
                let (mut committed, mut since) = (bot * 1_000, Vec::new());
                for version in 1..=150u32 {
                    let row = at_version(bot, version);
                    let save = db.save(&row);
                    // Half the saves get a deadline of 0-8 ms.
                    let deadline = if rng.below(2) == 0 {
                        Duration::from_micros(rng.below(8_000))
                    } else {
                        Duration::from_secs(60)
                    };
                    match tokio::time::timeout(deadline, save).await {
                        Ok(saved) => {
                            saved.unwrap();
                            committed = version;
                            since.clear();
                        }
                        Err(_) => since.push(version),
                    }
                }
                (bot, committed, since)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let held = versions(&test).await;
    for (bot, committed, since) in &outcomes {
        let version = held[bot];
        assert!(
            version == *committed || since.contains(&version),
            "bot {bot} holds version {version}: neither its last committed ({committed}) nor one dropped after it ({since:?})"
        );
    }
    // Nothing is left holding the turn: every task saves once more, and that lands.
    let last = async {
        let tasks: Vec<_> = outcomes
            .iter()
            .map(|&(bot, _, _)| {
                let db = db.clone();
                tokio::spawn(async move { db.save(&at_version(bot, 1_000)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(60), last)
        .await
        .expect("no save waits on a bulk save nobody runs");
    let held = versions(&test).await;
    for (bot, _, _) in &outcomes {
        assert_eq!(held[bot], 1_000);
    }
    db.close().await;
}
