//! Tables a bot module already has, created from hand-written DDL in their style: latin1 and
//! utf8mb3 with case-insensitive collations, MyISAM, ENUM columns with defaults, keys whose
//! column order is not the struct's, keys over several columns.

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::schema_check::SchemaDifference;
use playerbot_db::{BotEntity, Db, Error, ValueProblem};
use playerbot_db_tests::TestDb;

/// `updates` as world databases ship it: a file name key on a case-insensitive collation.
#[derive(BotEntity, Debug, Clone, PartialEq)]
#[bot(
    table = "updates",
    charset = "utf8mb3",
    collation = "utf8mb3_general_ci"
)]
struct Update {
    #[bot(key, max_len = 200)]
    name: String,
    #[bot(
        sql_type = "ENUM('RELEASED','CUSTOM','MODULE','ARCHIVED')",
        default = "'RELEASED'"
    )]
    state: String,
    #[bot(sql_type = "CHAR(40)", default = "''")]
    hash: String,
}

const UPDATES_DDL: &str = "CREATE TABLE `updates` (
  `name` varchar(200) NOT NULL,
  `state` enum('RELEASED','CUSTOM','MODULE','ARCHIVED') NOT NULL DEFAULT 'RELEASED',
  `hash` char(40) NOT NULL DEFAULT '',
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci";

fn update(name: &str, state: &str) -> Update {
    Update {
        name: name.into(),
        state: state.into(),
        hash: String::new(),
    }
}

/// A latin1 MyISAM table whose key columns are in another order than the struct's fields,
/// with a unique key over two columns.
#[derive(BotEntity, Debug, Clone, PartialEq)]
#[bot(
    table = "bot_names",
    engine = "MyISAM",
    charset = "latin1",
    collation = "latin1_swedish_ci",
    primary_key(realm, guid),
    unique(realm, name),
    index(class, race)
)]
struct BotName {
    guid: u32,
    realm: u16,
    #[bot(max_len = 12)]
    name: String,
    class: u8,
    race: u8,
}

const BOT_NAMES_DDL: &str = "CREATE TABLE `bot_names` (
  `guid` int(10) unsigned NOT NULL,
  `realm` smallint(5) unsigned NOT NULL,
  `name` varchar(12) NOT NULL,
  `class` tinyint(3) unsigned NOT NULL,
  `race` tinyint(3) unsigned NOT NULL,
  PRIMARY KEY (`realm`, `guid`),
  UNIQUE KEY `realm_name` (`realm`, `name`),
  KEY `class_race` (`class`, `race`)
) ENGINE=MyISAM DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci";

/// The same table described without its engine, charset, defaults or composite keys.
#[derive(BotEntity, Debug, Clone, PartialEq)]
#[bot(table = "bot_names")]
struct BotNameNaive {
    #[bot(key)]
    guid: u32,
    #[bot(key)]
    realm: u16,
    #[bot(max_len = 12)]
    name: String,
    class: u8,
    race: u8,
}

async fn adopted(
    test: &TestDb,
    ddl: &[&str],
    configure: impl FnOnce(playerbot_db::DbBuilder) -> playerbot_db::DbBuilder,
) -> Db {
    let mut conn = test.conn().await;
    for statement in ddl {
        conn.query_drop(*statement).await.expect("adopted DDL");
    }
    drop(conn);
    test.bare_db(configure).await
}

#[tokio::test]
async fn described_adopted_tables_pass_the_schema_check() {
    let test = TestDb::new("adopted_schema_clean").await;
    let db = adopted(&test, &[UPDATES_DDL, BOT_NAMES_DDL], |b| {
        b.register::<Update>().register::<BotName>()
    })
    .await;
    let report = db.check_schema().await.unwrap();
    assert!(report.is_empty(), "{report:#?}");
}

/// Before, engine, charset, collation, defaults and multi-column keys were never compared.
#[tokio::test]
async fn the_schema_check_names_every_storage_difference() {
    let test = TestDb::new("adopted_schema_differences").await;
    let db = adopted(&test, &[BOT_NAMES_DDL], |b| b.register::<BotNameNaive>()).await;
    let report = db.check_schema().await.unwrap();
    let (_, differences) = &report[0];
    let has = |wanted: &dyn Fn(&SchemaDifference) -> bool| differences.iter().any(wanted);
    assert!(
        has(&|d| matches!(d, SchemaDifference::Engine { found, .. } if found == "MyISAM")),
        "{differences:#?}"
    );
    assert!(has(
        &|d| matches!(d, SchemaDifference::Collation { column, found, .. }
        if column == "name" && found == "latin1_swedish_ci")
    ));
    assert!(has(
        &|d| matches!(d, SchemaDifference::CompositeKey { columns, unique: true, expected: false }
        if columns == &["realm", "name"])
    ));
    assert!(has(&|d| matches!(
        d,
        SchemaDifference::CompositeKey {
            unique: false,
            expected: false,
            ..
        }
    )));
    // The key is (realm, guid) in the table, (guid, realm) in the naive entity.
    assert!(has(&|d| matches!(d, SchemaDifference::PrimaryKey { .. })));
    for difference in differences {
        // One line each, saying what to change.
        let line = difference.to_string();
        assert!(!line.contains('\n'), "{line}");
    }
    let engine = differences
        .iter()
        .find(|d| matches!(d, SchemaDifference::Engine { .. }))
        .unwrap();
    assert!(
        engine.to_string().contains("engine = \"MyISAM\""),
        "{engine}"
    );

    // Defaults and AUTO_INCREMENT.
    let mut conn = test.conn().await;
    conn.query_drop(UPDATES_DDL.replace("DEFAULT 'RELEASED'", "DEFAULT 'CUSTOM'"))
        .await
        .unwrap();
    conn.query_drop("CREATE TABLE numbered (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB")
        .await
        .unwrap();
    drop(conn);
    #[derive(BotEntity, Debug, Clone, PartialEq)]
    #[bot(table = "numbered")]
    struct Numbered {
        #[bot(key)]
        id: u32,
        v: i32,
    }
    let db = test
        .bare_db(|b| b.register::<Update>().register::<Numbered>())
        .await;
    let report = db.check_schema().await.unwrap();
    let all: Vec<&SchemaDifference> = report.iter().flat_map(|(_, d)| d).collect();
    assert!(
        all.iter().any(
            |d| matches!(d, SchemaDifference::Default { column, found: Some(found), .. }
        if column == "state" && found == "CUSTOM")
        ),
        "{all:#?}"
    );
    assert!(
        all.iter().any(
            |d| matches!(d, SchemaDifference::AutoIncrement { column, expected: false }
        if column == "id")
        ),
        "{all:#?}"
    );
    assert_eq!(all.len(), 2, "{all:#?}");
}

/// Before, a 4-byte character for a utf8mb3 column passed our checks and the server's
/// refusal named the column `?`.
#[tokio::test]
async fn text_a_column_cannot_hold_is_refused_naming_the_column() {
    let test = TestDb::new("adopted_charsets").await;
    let db = adopted(&test, &[UPDATES_DDL, BOT_NAMES_DDL], |b| {
        b.register::<Update>().register::<BotName>()
    })
    .await;
    let emoji = update("2026_11_26_00_world.sql", "RELEASED");
    let emoji = Update {
        hash: "🎮".into(),
        ..emoji
    };
    match db.save(&emoji).await {
        Err(Error::InvalidValue {
            entity,
            key,
            column,
            problem: ValueProblem::NotInCharset { charset, character },
        }) => {
            assert_eq!((entity, column.as_str()), ("Update", "hash"));
            assert!(key.contains("2026_11_26_00_world.sql"), "{key}");
            assert_eq!((charset, character), ("utf8mb3", '🎮'));
        }
        other => panic!("expected a charset refusal, got {other:?}"),
    }
    let greek = BotName {
        guid: 1,
        realm: 1,
        name: "Ωmega".into(),
        class: 1,
        race: 1,
    };
    let fine = BotName {
        guid: 2,
        name: "Café€".into(),
        ..greek.clone()
    };
    let err = db
        .bulk::<BotName>()
        .allow_partial_writes(true)
        .save(&[fine.clone(), greek])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { column, problem: ValueProblem::NotInCharset { charset: "latin1", character: 'Ω' }, .. } if column == "name"),
        "{err:?}"
    );
    // Refused before anything was sent.
    assert_eq!(db.count::<BotName>().await.unwrap(), 0);
    assert_eq!(db.count::<Update>().await.unwrap(), 0);
    // What latin1 (Windows-1252) holds round-trips.
    db.bulk::<BotName>()
        .allow_partial_writes(true)
        .save(std::slice::from_ref(&fine))
        .await
        .unwrap();
    assert_eq!(db.load::<BotName>(&(1, 2)).await.unwrap(), Some(fine));
}

/// Before, `load("FIX.sql")` found the `fix.sql` row while `load_many` said `None`.
#[tokio::test]
async fn keys_on_a_case_insensitive_collation_agree_with_the_server_in_every_call() {
    let test = TestDb::new("adopted_ci_keys").await;
    let db = adopted(&test, &[UPDATES_DDL], |b| b.register::<Update>()).await;
    db.save(&update("fix.sql", "CUSTOM")).await.unwrap();
    db.save(&update("other.sql", "MODULE")).await.unwrap();
    let stored = update("fix.sql", "CUSTOM");
    assert_eq!(
        db.load::<Update>(&"FIX.sql".into()).await.unwrap(),
        Some(stored.clone())
    );
    let keys: Vec<String> = ["FIX.sql", "fix.sql ", "nope.sql", "fix.sql", "Other.SQL"]
        .map(String::from)
        .to_vec();
    let many = db.load_many::<Update>(&keys).await.unwrap();
    for (key, row) in keys.iter().zip(&many) {
        assert_eq!(row, &db.load::<Update>(key).await.unwrap(), "key {key:?}");
    }
    assert_eq!(many[0], Some(stored.clone()));
    assert_eq!(many[2], None);
    assert_eq!(many[4].as_ref().map(|u| u.state.as_str()), Some("MODULE"));
    // A save under another spelling updates the one row, as the server compares.
    db.save(&update("FIX.SQL", "ARCHIVED")).await.unwrap();
    assert_eq!(db.count::<Update>().await.unwrap(), 2);
    assert_eq!(
        db.load::<Update>(&"fix.sql".into())
            .await
            .unwrap()
            .unwrap()
            .state,
        "ARCHIVED"
    );
    // In one bulk call too: the rows apply in order, the last one wins.
    db.save_all(&[update("a.sql", "CUSTOM"), update("A.sql", "MODULE")])
        .await
        .unwrap();
    assert_eq!(db.count::<Update>().await.unwrap(), 3);
    assert_eq!(
        db.load::<Update>(&"a.sql".into())
            .await
            .unwrap()
            .unwrap()
            .state,
        "MODULE"
    );
}

/// ENUM columns and quoted defaults are declared with `sql_type` and `default`; a value the
/// ENUM lacks is refused by the server, naming the column.
#[tokio::test]
async fn enum_columns_round_trip_and_refuse_unknown_values() {
    let test = TestDb::new("adopted_enums").await;
    let db = adopted(&test, &[UPDATES_DDL], |b| b.register::<Update>()).await;
    let row = update("x.sql", "MODULE");
    db.save(&row).await.unwrap();
    assert_eq!(db.load::<Update>(&"x.sql".into()).await.unwrap(), Some(row));
    let err = db.save(&update("y.sql", "BROKEN")).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { column, key, .. } if column == "state" && key.contains("y.sql")),
        "{err:?}"
    );
}

/// `primary_key(realm, guid)` orders the key as the table does, whatever the field order;
/// a unique key over two columns refuses another row's pair instead of overwriting it.
#[tokio::test]
async fn struct_level_keys_follow_the_table() {
    let test = TestDb::new("adopted_struct_keys").await;
    let db = adopted(&test, &[BOT_NAMES_DDL], |b| b.register::<BotName>()).await;
    assert_eq!(
        BotName::META.statements(playerbot_db::Dialect::MariaDb).select_by_key,
        "SELECT `guid`, `realm`, `name`, `class`, `race` FROM `bot_names` WHERE `realm` = ? AND `guid` = ?"
    );
    let first = BotName {
        guid: 7,
        realm: 2,
        name: "Alice".into(),
        class: 4,
        race: 1,
    };
    db.save(&first).await.unwrap();
    // The key type is (realm, guid).
    let key: (u16, u32) = first.key();
    assert_eq!(key, (2, 7));
    assert_eq!(
        db.load::<BotName>(&(2, 7)).await.unwrap(),
        Some(first.clone())
    );
    let thief = BotName {
        guid: 8,
        ..first.clone()
    };
    let err = db.save(&thief).await.unwrap_err();
    assert!(matches!(err, Error::UniqueConflict { .. }), "{err:?}");
    assert_eq!(
        db.load::<BotName>(&(2, 7)).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(db.load::<BotName>(&(2, 8)).await.unwrap(), None);
    // The composite index gets a lookup.
    let found = db
        .load_by(&BotName::by_class_and_race(4u8, 1u8))
        .await
        .unwrap();
    assert_eq!(found, vec![first]);
}

/// A module's own names for an `ENUM` column's values.
#[derive(playerbot_db::BotEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum UpdateState {
    #[bot(name = "RELEASED")]
    Released,
    #[bot(name = "CUSTOM")]
    Custom,
    // No variant for MODULE: rows in that state cannot be read as this enum.
    #[bot(name = "ARCHIVED")]
    Archived,
}

/// `updates` with its ENUM as a `BotEnum` by name and its TIMESTAMP as chrono's date-time
/// (the `chrono` feature), beside a unix-seconds view of the same column.
#[derive(BotEntity, Debug, Clone, PartialEq)]
#[bot(
    table = "updates",
    charset = "utf8mb3",
    collation = "utf8mb3_general_ci"
)]
struct TypedUpdate {
    #[bot(key, max_len = 200)]
    name: String,
    #[bot(
        by_name,
        sql_type = "ENUM('RELEASED','CUSTOM','MODULE','ARCHIVED')",
        default = "'RELEASED'"
    )]
    state: UpdateState,
    #[bot(sql_type = "CHAR(40)", default = "''")]
    hash: String,
}

#[derive(BotEntity, Debug, Clone, PartialEq)]
#[bot(table = "bot_logins")]
struct BotLogin {
    #[bot(key)]
    bot: u32,
    at: chrono::NaiveDateTime,
    #[bot(unix_time, sql_type = "TIMESTAMP")]
    stamp: i64,
    day: Option<chrono::NaiveDate>,
}

#[tokio::test]
async fn enums_by_name_and_date_times_round_trip() {
    let test = TestDb::new("adopted_typed").await;
    let db = adopted(&test, &[UPDATES_DDL], |b| {
        b.register::<TypedUpdate>().register::<BotLogin>()
    })
    .await;
    db.create_tables().await.unwrap();
    let row = TypedUpdate {
        name: "typed.sql".into(),
        state: UpdateState::Archived,
        hash: "abc".into(),
    };
    db.save(&row).await.unwrap();
    assert_eq!(
        db.load::<TypedUpdate>(&"typed.sql".into()).await.unwrap(),
        Some(row)
    );
    // Stored as the name, so other programs read the ENUM as they always did.
    let stored: Option<String> = test
        .conn()
        .await
        .query_first("SELECT state FROM updates WHERE name = 'typed.sql'")
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some("ARCHIVED"));
    // A value this enum does not know is refused on load, naming the column.
    test.conn()
        .await
        .query_drop("INSERT INTO updates (name, state) VALUES ('other.sql', 'MODULE')")
        .await
        .unwrap();
    let err = db
        .load::<TypedUpdate>(&"other.sql".into())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("state"), "{err}");

    let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
        .unwrap()
        .and_hms_opt(12, 30, 15)
        .unwrap();
    let login = BotLogin {
        bot: 1,
        at,
        stamp: 1_795_696_215,
        day: chrono::NaiveDate::from_ymd_opt(1999, 12, 31),
    };
    db.save(&login).await.unwrap();
    assert_eq!(db.load::<BotLogin>(&1).await.unwrap(), Some(login.clone()));
    // The TIMESTAMP holds that instant whatever the server's zone: sessions run in UTC.
    let text: Option<String> = test
        .conn()
        .await
        .query_first("SELECT CAST(stamp AS CHAR) FROM bot_logins WHERE bot = 1")
        .await
        .unwrap();
    assert_eq!(text.as_deref(), Some("2026-11-26 12:30:15"));
    // Past the years a DATETIME holds: refused before sending, naming the column.
    let far = BotLogin {
        bot: 2,
        stamp: i64::MAX,
        ..login
    };
    let err = db.save(&far).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { column, problem: ValueProblem::OutOfRange { .. }, .. } if column == "stamp"),
        "{err:?}"
    );
}
