//! `check_schema`'s hints compile as written: each suggested attribute, applied to the field,
//! makes the entity compile and the difference go (found from outside: it suggested
//! `default = ""`, `default = "RELEASED"` and `default = "current_timestamp"`).

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::schema_check::SchemaDifference;
use playerbot_db::BotEntity;
use playerbot_db_tests::adopted_ddl::ADOPTED_TABLES;
use playerbot_db_tests::TestDb;

/// The `updates` table as a module author first writes it: no defaults.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(
    table = "updates",
    charset = "utf8mb3",
    collation = "utf8mb3_general_ci"
)]
struct BareUpdate {
    #[bot(key, max_len = 200)]
    name: String,
    #[bot(sql_type = "char(40)")]
    hash: Option<String>,
    #[bot(sql_type = "enum('RELEASED','CUSTOM','MODULE','ARCHIVED','PENDING')")]
    state: String,
    #[bot(unix_time, sql_type = "timestamp")]
    timestamp: i64,
    speed: u32,
}

// The same entity with each hint applied as printed; the test checks each attribute below
// appears in the hints word for word.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(
    table = "updates",
    charset = "utf8mb3",
    collation = "utf8mb3_general_ci"
)]
struct HintedUpdate {
    #[bot(key, max_len = 200)]
    name: String,
    #[bot(sql_type = "char(40)", default = "''")]
    hash: Option<String>,
    #[bot(
        sql_type = "enum('RELEASED','CUSTOM','MODULE','ARCHIVED','PENDING')",
        default = "'RELEASED'"
    )]
    state: String,
    #[bot(
        unix_time,
        sql_type = "timestamp",
        server_default = "current_timestamp()"
    )]
    timestamp: Option<i64>,
    #[bot(default = "0")]
    speed: u32,
}

const APPLIED: [(&str, &str); 4] = [
    ("hash", r#"default = "''""#),
    ("state", r#"default = "'RELEASED'""#),
    ("timestamp", r#"server_default = "current_timestamp()""#),
    ("speed", r#"default = "0""#),
];

#[tokio::test]
async fn every_default_hint_compiles_and_closes_its_difference() {
    let test = TestDb::new("schema_hints").await;
    let (_, ddl, _) = ADOPTED_TABLES
        .iter()
        .find(|(name, ..)| *name == "updates")
        .unwrap();
    test.conn().await.query_drop(*ddl).await.unwrap();

    let db = test
        .bare_db(|b| b.register::<BareUpdate>().register::<HintedUpdate>())
        .await;
    let report = db.check_schema().await.unwrap();
    let bare: Vec<&SchemaDifference> = report
        .iter()
        .filter(|(entity, _)| *entity == "BareUpdate")
        .flat_map(|(_, differences)| differences)
        .collect();
    for (column, attribute) in APPLIED {
        let hint = bare
            .iter()
            .find_map(|d| match d {
                SchemaDifference::Default { column: c, .. } if c == column => Some(d.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no default difference for {column}: {bare:#?}"));
        assert!(
            hint.contains(&format!("#[bot({attribute})]")),
            "{column}: the hint {hint:?} does not say {attribute}"
        );
    }
    // The source of the hinted entity holds each attribute as the hint printed it.
    let source = include_str!("schema_hints.rs");
    let hinted = &source[source.find("struct HintedUpdate").unwrap()..];
    let hinted = &hinted[..hinted.find('}').unwrap()];
    for (_, attribute) in APPLIED {
        assert!(hinted.contains(attribute), "HintedUpdate lacks {attribute}");
    }
    let left: Vec<&SchemaDifference> = report
        .iter()
        .filter(|(entity, _)| *entity == "HintedUpdate")
        .flat_map(|(_, differences)| differences)
        .collect();
    assert!(left.is_empty(), "{left:#?}");
}
