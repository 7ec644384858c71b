//! The server is detected from `VERSION()`, its dialect's upsert runs, and the other
//! dialect's form is what that server really rejects or warns about.

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Error, Params};
use playerbot_db::{BotEntity, Dialect, ServerFlavor};
use playerbot_db_tests::TestDb;

fn state(bot_id: u32) -> BotState {
    BotState {
        bot_id,
        map_id: 0,
        zone_id: 12,
        x: 1.0,
        y: 2.0,
        z: 3.0,
        orientation: 0.5,
        health: 100,
        mana: 50,
        level: 10,
        flags: 0,
        updated_at: 0,
    }
}

#[tokio::test]
async fn detected_dialect_runs_and_the_other_form_is_rejected_or_deprecated() {
    let db = TestDb::new("detected_dialect").await;
    let mut conn = db.conn().await;
    let version: String = conn.query_first("SELECT VERSION()").await.unwrap().unwrap();
    let flavor = ServerFlavor::detect(&mut conn).await.unwrap();
    assert_eq!(ServerFlavor::parse(&version), Some(flavor));
    let dialect = flavor.dialect();
    conn.query_drop(BotState::META.statements(dialect).create_table)
        .await
        .unwrap();

    let ours = BotState::META.statements(dialect).upsert;
    conn.exec_drop(ours, Params::Positional(state(1).to_params()))
        .await
        .unwrap();
    assert_eq!(conn.get_warnings(), 0, "our upsert must not warn");

    let other = match dialect {
        Dialect::MySql => Dialect::MariaDb,
        Dialect::MariaDb => Dialect::MySql,
    };
    let theirs = BotState::META.statements(other).upsert;
    let result = conn
        .exec_drop(theirs, Params::Positional(state(2).to_params()))
        .await;
    match (flavor, result) {
        // MariaDB has no row alias: a syntax error.
        (ServerFlavor::MariaDb { .. }, Err(Error::Server(err))) => {
            assert_eq!(err.code, 1064, "{err}")
        }
        // MySQL 8.0.20+ accepts VALUES() but warns once per column (1287).
        (ServerFlavor::MySql { .. }, Ok(())) => assert!(conn.get_warnings() > 0),
        (flavor, result) => {
            panic!("unexpected result of the other dialect on {flavor}: {result:?}")
        }
    }
}

#[tokio::test]
async fn sessions_run_in_strict_mode_with_utf8mb4() {
    let db = TestDb::new("strict_session").await;
    let mut conn = db.conn().await;
    let (mode, charset): (String, String) = conn
        .query_first("SELECT @@SESSION.sql_mode, @@SESSION.character_set_client")
        .await
        .unwrap()
        .unwrap();
    assert!(mode.contains("STRICT_ALL_TABLES"), "{mode}");
    assert_eq!(charset, "utf8mb4");

    // Strict mode turns an out-of-range value into an error instead of a clamped row.
    conn.query_drop(BotState::META.statements(Dialect::MariaDb).create_table)
        .await
        .unwrap();
    let result = conn
        .query_drop("INSERT INTO bot_state VALUES (1, 70000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)")
        .await;
    match result {
        Err(Error::Server(err)) => assert_eq!(err.code, 1264, "{err}"),
        other => panic!("expected out-of-range error 1264, got {other:?}"),
    }
}
