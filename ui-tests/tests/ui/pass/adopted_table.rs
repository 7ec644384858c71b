//! The attributes for tables a module already has, and what they put in the metadata.

use playerbot_db::{BotEntity, BotEnum, Dialect, ValueKind};

#[derive(BotEnum, Debug, Clone, Copy, PartialEq)]
#[repr(u8)]
enum State {
    #[bot(name = "RELEASED")]
    Released,
    Custom,
}

#[derive(Debug, Clone, PartialEq, BotEntity)]
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
    #[bot(max_len = 12, charset = "utf8mb3", collation = "utf8mb3_bin")]
    name: String,
    class: u8,
    race: u8,
    #[bot(by_name, sql_type = "ENUM('RELEASED','Custom')", default = "'RELEASED'")]
    state: State,
    #[bot(unix_time, sql_type = "TIMESTAMP", default = "CURRENT_TIMESTAMP")]
    created: i64,
}

#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(append_only)]
struct DbStore {
    #[bot(index)]
    guid: u64,
    #[bot(max_len = 32)]
    r#key: String,
}

fn main() {
    let meta = BotName::META;
    assert_eq!(meta.key, &[1, 0]);
    assert_eq!((meta.engine, meta.charset), (Some("MyISAM"), Some("latin1")));
    assert_eq!(meta.indexes.len(), 2);
    assert_eq!(meta.columns[5].kind, ValueKind::EnumName);
    assert!(matches!(meta.columns[6].kind, ValueKind::UnixTime { .. }));
    let key: (u16, u32) = BotName {
        guid: 1,
        realm: 2,
        name: String::new(),
        class: 0,
        race: 0,
        state: State::Custom,
        created: 0,
    }
    .key();
    assert_eq!(key, (2, 1));
    assert_eq!(State::Released.name(), "RELEASED");
    assert_eq!(State::from_name("Custom"), Some(State::Custom));
    let ddl = meta.statements(Dialect::MariaDb).create_table;
    assert!(ddl.contains("PRIMARY KEY (`realm`, `guid`)"), "{ddl}");
    assert!(ddl.contains("UNIQUE KEY `realm_name` (`realm`, `name`)"), "{ddl}");
    assert!(ddl.ends_with("ENGINE=MyISAM DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci"), "{ddl}");
    let store = DbStore::META;
    assert!(store.is_append_only());
    assert_eq!(store.statements(Dialect::MySql).upsert, store.statements(Dialect::MySql).insert);
    let _: () = DbStore { guid: 1, key: String::new() }.key();
}
