//! The table the generated DDL creates is the table the metadata describes, as the server
//! reports it in information_schema; and a drifted table is reported column by column.

use playerbot_db::bots::{AiValue, BotEvent, BotState, BotStrategy, Equipment};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::schema_check::{check_table, SchemaDifference};
use playerbot_db::{BotEntity, EntityMeta};
use playerbot_db_tests::entities::{AllTypes, BotAccount, KnownSpell};
use playerbot_db_tests::{round_trip, TestDb};

const ALL: [&EntityMeta; 8] = [
    BotState::META,
    BotEvent::META,
    AiValue::META,
    Equipment::META,
    BotStrategy::META,
    AllTypes::META,
    KnownSpell::META,
    BotAccount::META,
];

#[tokio::test]
async fn generated_tables_match_their_metadata() {
    let db = TestDb::new("generated_tables_match").await;
    let mut conn = db.conn().await;
    let dialect = round_trip::dialect(&mut conn).await;
    for meta in ALL {
        conn.query_drop(meta.statements(dialect).create_table)
            .await
            .expect("create table");
        let differences = check_table(&mut conn, meta, dialect)
            .await
            .expect("schema check");
        assert!(differences.is_empty(), "{}: {differences:?}", meta.table);
    }
    // The partitions are really there, with the bounds the metadata names.
    let partitions: Vec<(String, String)> = conn
        .query(
            "SELECT PARTITION_NAME, PARTITION_DESCRIPTION FROM information_schema.PARTITIONS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bot_state' ORDER BY PARTITION_ORDINAL_POSITION",
        )
        .await
        .expect("partitions");
    assert_eq!(partitions.len(), 9);
    assert_eq!(partitions[0], ("p0".to_owned(), "10000".to_owned()));
    assert_eq!(partitions[8], ("pmax".to_owned(), "MAXVALUE".to_owned()));
}

#[tokio::test]
async fn drifted_table_is_reported_in_full() {
    let db = TestDb::new("drifted_table").await;
    let mut conn = db.conn().await;
    conn.query_drop(
        "CREATE TABLE bot_state (
            bot_id INT UNSIGNED NOT NULL, map_id INT NOT NULL, zone_id INT UNSIGNED NULL,
            x FLOAT NOT NULL, y FLOAT NOT NULL, z FLOAT NOT NULL, orientation FLOAT NOT NULL,
            health INT UNSIGNED NOT NULL, mana INT UNSIGNED NOT NULL, level TINYINT UNSIGNED NOT NULL,
            flags INT UNSIGNED NOT NULL, extra INT NOT NULL, PRIMARY KEY (bot_id, map_id), KEY (zone_id)
        ) ENGINE=InnoDB",
    )
    .await
    .expect("create drifted table");
    let dialect = round_trip::dialect(&mut conn).await;
    let differences = check_table(&mut conn, BotState::META, dialect)
        .await
        .expect("schema check");
    let expected = [
        SchemaDifference::ColumnType {
            column: "map_id".into(),
            expected: "smallint unsigned".into(),
            found: "int".into(),
        },
        SchemaDifference::Nullability {
            column: "zone_id".into(),
            expected_nullable: false,
        },
        SchemaDifference::MissingColumn {
            column: "updated_at".into(),
        },
        SchemaDifference::ExtraColumn {
            column: "extra".into(),
        },
        SchemaDifference::PrimaryKey {
            expected: vec!["bot_id".into()],
            found: vec!["bot_id".into(), "map_id".into()],
        },
        SchemaDifference::Index {
            column: "zone_id".into(),
            expected: false,
        },
    ];
    for difference in &expected {
        assert!(
            differences.contains(difference),
            "missing {difference:?} in {differences:?}"
        );
    }
    assert!(
        differences
            .iter()
            .any(|d| matches!(d, SchemaDifference::Partitions { found, .. } if found.is_empty())),
        "{differences:?}"
    );
    assert_eq!(differences.len(), expected.len() + 1, "{differences:?}");

    let missing = check_table(&mut conn, AiValue::META, dialect)
        .await
        .expect("schema check");
    assert_eq!(missing, vec![SchemaDifference::MissingTable]);

    // A string key in a PAD SPACE collation ("a" and "a " one key) is reported.
    conn.query_drop(
        "CREATE TABLE bot_event (bot_id INT UNSIGNED NOT NULL, event VARCHAR(64) NOT NULL, \
         value BIGINT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (bot_id, event), \
         KEY expires_at (expires_at)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    )
    .await
    .expect("create a padding table");
    let differences = check_table(&mut conn, BotEvent::META, dialect)
        .await
        .expect("schema check");
    assert!(
        differences.contains(&SchemaDifference::Collation {
            column: "event".into(),
            expected: dialect.string_collation().into(),
            found: "utf8mb4_bin".into(),
        }),
        "{differences:?}"
    );
}

/// The partition the entity computes for a row is the one the server stores it in.
#[tokio::test]
async fn partition_routing_agrees_with_the_server() {
    use playerbot_db::mysql_async::Params;
    let db = TestDb::new("partition_routing").await;
    let mut conn = db.conn().await;
    let dialect = round_trip::dialect(&mut conn).await;
    let sql = BotEvent::META.statements(dialect);
    conn.query_drop(sql.create_table).await.unwrap();
    let partitioning = BotEvent::META
        .partitioning
        .expect("bot_event is partitioned");
    for bot_id in [0, 1, 9_999, 10_000, 45_678, 79_999, 80_000, u32::MAX] {
        let event = BotEvent {
            bot_id,
            event: "e".into(),
            value: 0,
            expires_at: 0,
        };
        conn.exec_drop(sql.insert, Params::Positional(event.to_params()))
            .await
            .unwrap();
        let expected = partitioning.initial_partition_name(event.partition_key().unwrap());
        assert_eq!(event.partition(), Some(u64::from(bot_id) / 10_000));
        assert_eq!(BotEvent::key_partition(&event.key()), event.partition());
        let found: Option<u64> = conn
            .exec_first(
                format!("SELECT COUNT(*) FROM bot_event PARTITION (`{expected}`) WHERE bot_id = ?"),
                (bot_id,),
            )
            .await
            .unwrap();
        assert_eq!(
            found,
            Some(1),
            "bot {bot_id} should be stored in {expected}"
        );
    }
}

/// Display widths change nothing stored: an adopted table's `tinyint(4)` under a `bool`, or
/// `int(11)` under an `i32`, is not a difference.
#[tokio::test]
async fn display_widths_are_not_differences() {
    let db = TestDb::new("display_widths").await;
    let mut conn = db.conn().await;
    let dialect = round_trip::dialect(&mut conn).await;
    conn.query_drop(AllTypes::META.statements(dialect).create_table)
        .await
        .expect("create table");
    conn.query_drop(
        "ALTER TABLE all_types MODIFY a_bool TINYINT(4) NOT NULL, MODIFY a_i32 INT(11) NOT NULL",
    )
    .await
    .expect("widen the display");
    let differences = check_table(&mut conn, AllTypes::META, dialect)
        .await
        .expect("schema check");
    assert!(differences.is_empty(), "{differences:?}");
}
