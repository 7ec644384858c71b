//! The migration runner on a real server: the shipped schema agrees with the derive, runs
//! apply once even when two start together, and a changed applied file is refused.

use playerbot_db::migrate::{Migration, Migrator};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::Db;
use playerbot_db_tests::{query_number, TestDb};

async fn bot_db(test: &TestDb) -> Db {
    Db::builder(test.url())
        .register_bot_schema()
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn shipped_migrations_create_exactly_what_the_derive_describes() {
    let test = TestDb::new("migrations_match_derive").await;
    let db = bot_db(&test).await;
    let report = Migrator::builtin().run(&db).await.unwrap();
    let names: Vec<&str> = report
        .applied
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "0001_bot_state.sql",
            "0002_bot_event.sql",
            "0003_ai_value.sql",
            "0004_bot_strategy.sql",
            "0005_bot_equipment.sql",
            "0006_exact_string_keys.sql"
        ]
    );
    let differences = db.check_schema().await.unwrap();
    assert!(differences.is_empty(), "{differences:#?}");

    // A second run has nothing to do.
    let again = Migrator::builtin().run(&db).await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.already_applied, 6);

    // History: name, checksum, time and duration of each.
    let rows: Vec<(String, String, u64)> = db
        .conn()
        .await
        .unwrap()
        .query("SELECT name, checksum, duration_ms FROM playerbot_db_migrations ORDER BY name")
        .await
        .unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0].1, Migrator::builtin().migrations()[0].checksum());
}

#[tokio::test]
async fn the_schema_check_reports_a_drifted_table() {
    let test = TestDb::new("migrations_drift").await;
    let db = bot_db(&test).await;
    Migrator::builtin().run(&db).await.unwrap();
    db.conn()
        .await
        .unwrap()
        .query_drop("ALTER TABLE bot_strategy MODIFY strategies VARCHAR(100) NOT NULL")
        .await
        .unwrap();
    let report = db.check_schema().await.unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].0, "BotStrategy");
    assert_eq!(report[0].1.len(), 1, "{:?}", report[0].1);
    assert!(
        report[0].1[0].to_string().contains("strategies"),
        "{}",
        report[0].1[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_at_once_apply_each_migration_exactly_once() {
    let test = TestDb::new("migrations_concurrent").await;
    let (a, b) = (bot_db(&test).await, bot_db(&test).await);
    // A slow first migration makes the two runs overlap.
    let mut migrations = vec![Migration::new(
        "0000_slow.sql",
        "CREATE TABLE slow (x INT);\nDO SLEEP(0.3);\n",
    )];
    migrations.extend(Migrator::builtin().migrations().iter().cloned());
    let migrator = Migrator::new(migrations).unwrap();
    let (first, second) = tokio::join!(
        {
            let (migrator, a) = (migrator.clone(), a.clone());
            async move { migrator.run(&a).await }
        },
        {
            let (migrator, b) = (migrator.clone(), b.clone());
            async move { migrator.run(&b).await }
        }
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        first.applied.len() + second.applied.len(),
        7,
        "{first:?} {second:?}"
    );
    assert_eq!(
        first.already_applied + second.already_applied,
        7,
        "one ran them all, the other found them done"
    );
    assert_eq!(
        query_number(&a, "SELECT COUNT(*) FROM playerbot_db_migrations").await,
        7
    );
}

#[tokio::test]
async fn a_changed_applied_migration_is_refused() {
    let test = TestDb::new("migrations_changed").await;
    let db = bot_db(&test).await;
    let original = Migrator::new(vec![Migration::new(
        "0001_items.sql",
        "CREATE TABLE items (id INT PRIMARY KEY);\n",
    )])
    .unwrap();
    original.run(&db).await.unwrap();

    let changed = Migrator::new(vec![
        Migration::new(
            "0001_items.sql",
            "CREATE TABLE items (id BIGINT PRIMARY KEY);\n",
        ),
        Migration::new(
            "0002_more.sql",
            "CREATE TABLE more_items (id INT PRIMARY KEY);\n",
        ),
    ])
    .unwrap();
    let err = changed.run(&db).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("0001_items.sql") && message.contains("must not change"),
        "{message}"
    );
    let later = query_number(&db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'more_items'").await;
    assert_eq!(later, 0, "nothing after the refusal ran");
}

#[tokio::test]
async fn a_failing_migration_names_itself_and_is_not_recorded() {
    let test = TestDb::new("migrations_failing").await;
    let db = bot_db(&test).await;
    let migrator = Migrator::new(vec![Migration::new(
        "0001_broken.sql",
        "CREATE TABLE ok (id INT);\nCREATE TABLE broken (;\n",
    )])
    .unwrap();
    let err = migrator.run(&db).await.unwrap_err();
    assert!(err.to_string().contains("0001_broken.sql"), "{err}");
    assert_eq!(
        query_number(&db, "SELECT COUNT(*) FROM playerbot_db_migrations").await,
        0
    );
}
