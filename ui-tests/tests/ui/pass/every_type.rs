//! Every supported Rust type and its SQL type.

use playerbot_db::{BotEntity, BotEnum, ValueKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, BotEnum)]
#[repr(i32)]
enum Faction {
    Horde = -1,
    Alliance = 1,
}

#[derive(Debug, Clone, PartialEq, BotEntity)]
struct Everything {
    #[bot(key)]
    id: u16,
    a: u8,
    b: u16,
    c: u32,
    d: u64,
    e: i8,
    f: i16,
    g: i32,
    h: i64,
    i: f32,
    j: f64,
    k: bool,
    l: String,
    #[bot(max_len = 10)]
    m: String,
    n: Vec<u8>,
    #[bot(max_len = 10)]
    o: Vec<u8>,
    #[bot(repr = i32)]
    p: Faction,
    q: Option<u8>,
    r: Option<f64>,
    s: Option<String>,
    t: Option<Vec<u8>>,
    #[bot(repr = i32)]
    u: Option<Faction>,
    v: std::string::String,
    w: ::core::option::Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, BotEnum)]
#[repr(u8)]
enum Slot {
    Head = 0,
    Chest = 4,
}

/// An enum can be part of a composite key.
#[derive(Debug, Clone, PartialEq, BotEntity)]
struct Equipped {
    #[bot(key)]
    bot_id: u32,
    #[bot(key, repr = u8)]
    slot: Slot,
}

fn main() {
    let types: Vec<&str> = Everything::META.columns.iter().map(|c| c.sql_type).collect();
    assert_eq!(
        types,
        [
            "SMALLINT UNSIGNED", "TINYINT UNSIGNED", "SMALLINT UNSIGNED", "INT UNSIGNED", "BIGINT UNSIGNED",
            "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "TINYINT(1)", "TEXT", "VARCHAR(10)",
            "BLOB", "VARBINARY(10)", "INT", "TINYINT UNSIGNED", "DOUBLE", "TEXT", "BLOB", "INT", "TEXT",
            "TINYINT(1)",
        ]
    );
    let nullable: Vec<&str> = Everything::META.columns.iter().filter(|c| c.nullable).map(|c| c.name).collect();
    assert_eq!(nullable, ["q", "r", "s", "t", "u", "w"]);
    assert_eq!(Everything::META.column("p").unwrap().kind, ValueKind::Enum { signed: true, bits: 32 });
    assert_eq!(Everything::META.column("m").unwrap().kind, ValueKind::Text { max_len: Some(10) });
    assert_eq!(Faction::Horde.to_repr(), -1);
    assert_eq!(Faction::from_repr(1), Some(Faction::Alliance));
    assert_eq!(Faction::from_repr(0), None);
    let key: (u32, Slot) = Equipped { bot_id: 1, slot: Slot::Chest }.key();
    assert_eq!(Equipped::key_params(&key), vec![1u32.into(), 4u8.into()]);
}
