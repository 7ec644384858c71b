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
            "0006_exact_string_keys.sql",
            "0007_lookup_keys_in_key_order.sql"
        ]
    );
    let differences = db.check_schema().await.unwrap();
    assert!(differences.is_empty(), "{differences:#?}");

    // A second run has nothing to do.
    let again = Migrator::builtin().run(&db).await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.already_applied, 7);

    // History: name, checksum, time and duration of each.
    let rows: Vec<(String, String, u64)> = db
        .conn()
        .await
        .unwrap()
        .query("SELECT name, checksum, duration_ms FROM playerbot_db_migrations ORDER BY name")
        .await
        .unwrap();
    assert_eq!(rows.len(), 7);
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
        8,
        "{first:?} {second:?}"
    );
    assert_eq!(
        first.already_applied + second.already_applied,
        8,
        "one ran them all, the other found them done"
    );
    assert_eq!(
        query_number(&a, "SELECT COUNT(*) FROM playerbot_db_migrations").await,
        8
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

/// CRLF line ends, and a `;` at a line end inside a string literal: the file is split by a
/// lexer that knows quotes and comments, not at every `;` before a line end.
#[tokio::test]
async fn files_are_split_by_their_syntax_not_by_line_ends() {
    let test = TestDb::new("migrations_lexer").await;
    let db = bot_db(&test).await;
    let migrator = Migrator::new(vec![
        Migration::new(
            "0001_crlf.sql",
            "-- three tables\r\nCREATE TABLE a (x INT);\r\nCREATE TABLE b (x INT);\r\nCREATE TABLE c (x INT);\r\n",
        ),
        Migration::new(
            "0002_literal.sql",
            "CREATE TABLE notes (t VARCHAR(64));\nINSERT INTO notes VALUES ('ends;\nhere'); -- done;\n",
        ),
    ])
    .unwrap();
    let report = migrator.run(&db).await.unwrap();
    assert_eq!(report.applied.len(), 2);
    for table in ["a", "b", "c"] {
        assert_eq!(
            query_number(&db, &format!("SELECT COUNT(*) FROM {table}")).await,
            0
        );
    }
    let mut conn = db.conn().await.unwrap();
    let note: Option<String> = conn.query_first("SELECT t FROM notes").await.unwrap();
    assert_eq!(note.as_deref(), Some("ends;\nhere"));
}

/// A file numbered before one already applied (a late merge, say) is refused with nothing
/// applied, unless asked for.
#[tokio::test]
async fn a_migration_numbered_before_an_applied_one_is_refused() {
    let test = TestDb::new("migrations_order").await;
    let db = bot_db(&test).await;
    let first = Migration::new("0001_a.sql", "CREATE TABLE a (x INT);");
    let third = Migration::new("0003_c.sql", "CREATE TABLE c (x INT);");
    let second = Migration::new("0002_b.sql", "CREATE TABLE b (x INT);");
    Migrator::new(vec![first.clone(), third.clone()])
        .unwrap()
        .run(&db)
        .await
        .unwrap();
    let all = Migrator::new(vec![first, second, third]).unwrap();
    let err = all.run(&db).await.unwrap_err();
    match &err {
        playerbot_db::Error::Migration { name, message, .. } => {
            assert_eq!(name.as_deref(), Some("0002_b.sql"));
            assert!(message.contains("0003"), "{message}");
        }
        other => panic!("expected a migration error: {other:?}"),
    }
    let tables = "SELECT COUNT(*) FROM information_schema.TABLES \
                  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'b'";
    assert_eq!(query_number(&db, tables).await, 0, "nothing was applied");
    let report = all.allow_out_of_order(true).run(&db).await.unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(query_number(&db, tables).await, 1);
}

/// Files in the folder that are not migrations are listed with the reason, not dropped
/// silently.
#[test]
fn files_that_are_not_migrations_are_reported() {
    let dir = std::env::temp_dir().join(format!("playerbot_db_skipped_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [
        ("0001_a.sql", "CREATE TABLE a (x INT);"),
        ("0002_b.SQL", "CREATE TABLE b (x INT);"),
        ("README.md", "notes"),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let migrator = Migrator::from_dir(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let migrator = migrator.unwrap();
    assert_eq!(migrator.migrations().len(), 1);
    let skipped = migrator.skipped();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped[0].0 == "0002_b.SQL" && skipped[0].1.contains("lower case"),
        "{skipped:?}"
    );
    assert!(
        skipped[1].0 == "README.md" && skipped[1].1.contains("not a .sql file"),
        "{skipped:?}"
    );
}

#[tokio::test]
async fn a_url_without_a_database_names_the_cause() {
    let db = Db::builder(playerbot_db_tests::server_url().await)
        .build()
        .await
        .unwrap();
    let err = Migrator::builtin().run(&db).await.unwrap_err();
    assert!(err.to_string().contains("no database"), "{err}");
}

/// One kind for one situation: a migration lock held elsewhere is a `LockTimeout`, as a
/// partition lock is, naming the lock; failures of no one migration name none (found from
/// outside: "migration : another process held the migration lock for 1s").
#[tokio::test]
async fn lock_timeouts_and_failures_of_no_one_migration_read_as_they_are() {
    let test = TestDb::new("migrations_lock_held").await;
    let db = bot_db(&test).await;
    let mut holder = test.conn().await;
    let lock = format!("playerbot_db_migrate.{}", test.name());
    let got: Option<i64> = holder
        .exec_first("SELECT GET_LOCK(?, 0)", (lock.as_str(),))
        .await
        .unwrap();
    assert_eq!(got, Some(1));
    let err = Migrator::builtin()
        .lock_timeout(std::time::Duration::from_secs(1))
        .run(&db)
        .await
        .unwrap_err();
    match &err {
        playerbot_db::Error::LockTimeout { lock: named, .. } => assert_eq!(named, &lock),
        other => panic!("expected a lock timeout: {other:?}"),
    }
    assert_eq!(err.kind(), playerbot_db::ErrorKind::Busy);
    assert!(err.to_string().contains(&lock), "{err}");
    holder.disconnect().await.unwrap();

    // No database selected: about the migrations as a whole, not an empty name.
    let server_wide = Db::builder(playerbot_db_tests::server_url().await)
        .build()
        .await
        .unwrap();
    let err = Migrator::builtin().run(&server_wide).await.unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("migrations: no database"), "{message}");

    // A failing statement keeps the server's code.
    let broken = Migrator::new(vec![Migration::new("0001_bad.sql", "SELEC 1;")]).unwrap();
    let err = broken.run(&db).await.unwrap_err();
    assert_eq!(err.server_code(), Some(1064), "{err:?}");
    assert!(
        err.to_string().starts_with("migration 0001_bad.sql: "),
        "{err}"
    );
}
