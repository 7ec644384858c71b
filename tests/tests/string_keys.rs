//! String keys and unique columns compare as Rust's `==`: trailing spaces, case and accents
//! make different keys, through tables made by `create_tables` and by the migrations alike.

use playerbot_db::bots::BotEvent;
use playerbot_db::migrate::Migrator;
use playerbot_db::BotEntity;
use playerbot_db_tests::TestDb;

#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "named_thing")]
struct Named {
    #[bot(key, max_len = 32)]
    name: String,
    #[bot(unique, max_len = 32)]
    tag: String,
    value: u32,
}

fn named(name: &str, tag: &str, value: u32) -> Named {
    Named {
        name: name.to_owned(),
        tag: tag.to_owned(),
        value,
    }
}

/// Names that a PAD SPACE or case- or accent-insensitive collation would take for one.
const LOOKALIKES: [&str; 5] = ["gb-1", "gb-1 ", "GB-1", "gb-1  ", "gé-1"];

#[tokio::test]
async fn keys_differing_in_trailing_spaces_case_or_accents_are_different_rows() {
    let test = TestDb::new("string_keys").await;
    let db = test.bare_db(|b| b.register::<Named>()).await;
    db.create_tables().await.unwrap();
    for (i, name) in LOOKALIKES.iter().enumerate() {
        // The unique column holds lookalikes too, which must not collide either.
        db.save(&named(name, name, i as u32)).await.unwrap();
    }
    for (i, name) in LOOKALIKES.iter().enumerate() {
        let key = name.to_string();
        assert_eq!(
            db.load::<Named>(&key).await.unwrap(),
            Some(named(name, name, i as u32)),
            "{name:?}"
        );
    }
    let keys: Vec<String> = LOOKALIKES.iter().map(|s| s.to_string()).collect();
    let many = db.load_many::<Named>(&keys).await.unwrap();
    let expected: Vec<Option<Named>> = LOOKALIKES
        .iter()
        .enumerate()
        .map(|(i, name)| Some(named(name, name, i as u32)))
        .collect();
    assert_eq!(many, expected, "load_many agrees with load");
    assert!(!db.exists::<Named>(&"gb-1   ".to_string()).await.unwrap());
    assert!(db.delete::<Named>(&"gb-1 ".to_string()).await.unwrap());
    assert_eq!(
        db.load::<Named>(&"gb-1".to_string()).await.unwrap(),
        Some(named("gb-1", "gb-1", 0)),
        "deleting \"gb-1 \" left \"gb-1\" alone"
    );
}

#[tokio::test]
async fn migrated_tables_compare_string_keys_exactly_too() {
    let test = TestDb::new("string_keys_migrated").await;
    let db = test.bare_db(|b| b.register::<BotEvent>()).await;
    Migrator::builtin().run(&db).await.unwrap();
    let event = |name: &str, value: i64| BotEvent {
        bot_id: 7,
        event: name.to_owned(),
        value,
        expires_at: 0,
    };
    for (i, name) in LOOKALIKES.iter().enumerate() {
        db.save(&event(name, i as i64)).await.unwrap();
    }
    for (i, name) in LOOKALIKES.iter().enumerate() {
        assert_eq!(
            db.load::<BotEvent>(&(7, name.to_string())).await.unwrap(),
            Some(event(name, i as i64)),
            "{name:?}"
        );
    }
    assert!(db.check_schema().await.unwrap().is_empty());
}
