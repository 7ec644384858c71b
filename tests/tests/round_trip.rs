//! Every example entity through its generated SQL on a real server, values read back and
//! compared: NULLs, extreme integers, f32 values, strings at `max_len`, enums.

use playerbot_db::bots::{
    AiValue, BotEvent, BotState, BotStrategy, Equipment, ItemQuality, ItemSlot, StrategyEngine,
};
use playerbot_db_tests::entities::{AllTypes, BotAccount, KnownSpell, Mood};
use playerbot_db_tests::{round_trip, TestDb};

fn bot_state(bot_id: u32, seed: f32) -> BotState {
    BotState {
        bot_id,
        map_id: 571,
        zone_id: 4395,
        x: 5804.15 + seed,
        y: 624.771 - seed,
        z: 647.767,
        orientation: std::f32::consts::PI,
        health: 27_400,
        mana: 18_000,
        level: 80,
        flags: 0x0000_0008,
        updated_at: 1_790_000_000_000,
    }
}

#[tokio::test]
async fn bot_state_round_trips() {
    let db = TestDb::new("bot_state_round_trips").await;
    let mut conn = db.conn().await;
    let first = bot_state(4_242, 0.0);
    let changed = BotState {
        health: 1,
        x: -0.0001,
        level: 1,
        ..bot_state(4_242, 1.5)
    };
    // Past the initial partitions: lands in `pmax`.
    let second = BotState {
        bot_id: u32::MAX,
        map_id: u16::MAX,
        flags: u32::MAX,
        updated_at: i64::MIN,
        ..bot_state(0, 2.0)
    };
    round_trip::run(&mut conn, first, changed, second).await;
}

#[tokio::test]
async fn bot_event_round_trips_with_composite_key() {
    let db = TestDb::new("bot_event_round_trips").await;
    let mut conn = db.conn().await;
    let event = "ç".repeat(64); // max_len counts characters: 64 two-byte characters fit.
    let first = BotEvent {
        bot_id: 7,
        event: event.clone(),
        value: 1,
        expires_at: 1_800_000_000,
    };
    let changed = BotEvent {
        value: i64::MAX,
        expires_at: 0,
        ..first.clone()
    };
    let second = BotEvent {
        bot_id: 7,
        event: "last_loot".to_owned(),
        value: i64::MIN,
        expires_at: -1,
    };
    round_trip::run(&mut conn, first, changed, second).await;
}

#[tokio::test]
async fn ai_value_round_trips_nulls_and_skipped_fields() {
    let db = TestDb::new("ai_value_round_trips").await;
    let mut conn = db.conn().await;
    let first = AiValue {
        bot_id: 1,
        name: "rpg.target".to_owned(),
        text: Some("🐉 dragon, \"quoted\", 'single', \\ backslash".to_owned()),
        int: None,
        float: Some(f64::MAX),
        blob: Some(vec![0, 255, 0, 1]),
        updated_at: 10,
        dirty: false,
    };
    let changed = AiValue {
        text: None,
        int: Some(i64::MIN),
        float: None,
        blob: None,
        ..first.clone()
    };
    let second = AiValue {
        name: "x".repeat(64),
        text: Some(String::new()),
        int: Some(0),
        float: Some(-0.5),
        blob: Some(vec![7; 4096]),
        ..first.clone()
    };
    round_trip::run(&mut conn, first, changed, second).await;
}

#[tokio::test]
async fn equipment_round_trips_enums() {
    let db = TestDb::new("equipment_round_trips").await;
    let mut conn = db.conn().await;
    let first = Equipment {
        bot_id: 12,
        slot: ItemSlot::MainHand,
        item_entry: 49_623,
        quality: Some(ItemQuality::Legendary),
        enchant_id: Some(3_789),
        durability: 120,
        guid: u64::MAX,
    };
    let changed = Equipment {
        quality: None,
        enchant_id: None,
        durability: 0,
        ..first.clone()
    };
    let second = Equipment {
        slot: ItemSlot::Tabard,
        quality: Some(ItemQuality::Poor),
        guid: 0,
        ..first.clone()
    };
    round_trip::run(&mut conn, first, changed, second).await;
}

#[tokio::test]
async fn strategy_round_trips() {
    let db = TestDb::new("strategy_round_trips").await;
    let mut conn = db.conn().await;
    let first = BotStrategy {
        bot_id: 3,
        engine: StrategyEngine::Combat,
        strategies: "dps,aoe,+cc".to_owned(),
    };
    let changed = BotStrategy {
        strategies: "s".repeat(1024),
        ..first.clone()
    };
    let second = BotStrategy {
        engine: StrategyEngine::Reaction,
        strategies: String::new(),
        ..first.clone()
    };
    round_trip::run(&mut conn, first, changed, second).await;
}

fn extremes_max() -> AllTypes {
    AllTypes {
        id: u64::MAX,
        a_u8: u8::MAX,
        a_u16: u16::MAX,
        a_u32: u32::MAX,
        a_u64: u64::MAX,
        a_i8: i8::MAX,
        a_i16: i16::MAX,
        a_i32: i32::MAX,
        a_i64: i64::MAX,
        a_f32: f32::MAX,
        a_f64: f64::MAX,
        a_bool: true,
        short_text: "ü".repeat(16),
        long_text: "long ".repeat(10_000),
        short_bytes: vec![0xff; 8],
        long_bytes: (0..=255u8).cycle().take(60_000).collect(),
        mood: Mood::Happy,
        maybe_u32: Some(u32::MAX),
        maybe_i64: Some(i64::MAX),
        maybe_f32: Some(f32::MIN_POSITIVE),
        maybe_bool: Some(false),
        maybe_text: Some("0123456789abcdef".to_owned()),
        maybe_bytes: Some(Vec::new()),
        maybe_mood: Some(Mood::Angry),
        money: 999_999_999_999,
        transient: Vec::new(),
    }
}

#[tokio::test]
async fn every_type_round_trips_at_its_extremes() {
    let db = TestDb::new("every_type_round_trips").await;
    let mut conn = db.conn().await;
    let first = extremes_max();
    let changed = AllTypes {
        a_u8: 0,
        a_u16: 0,
        a_u32: 0,
        a_u64: 0,
        a_i8: i8::MIN,
        a_i16: i16::MIN,
        a_i32: i32::MIN,
        a_i64: i64::MIN,
        a_f32: f32::MIN,
        a_f64: f64::MIN_POSITIVE,
        a_bool: false,
        short_text: String::new(),
        long_text: String::new(),
        short_bytes: Vec::new(),
        long_bytes: Vec::new(),
        mood: Mood::Angry,
        maybe_u32: None,
        maybe_i64: None,
        maybe_f32: None,
        maybe_bool: None,
        maybe_text: None,
        maybe_bytes: None,
        maybe_mood: None,
        money: -999_999_999_999,
        ..extremes_max()
    };
    let second = AllTypes {
        id: 0,
        a_f32: 0.1,
        a_f64: 0.1,
        mood: Mood::Calm,
        ..extremes_max()
    };
    round_trip::run(&mut conn, first, changed, second).await;
}

#[tokio::test]
async fn key_only_table_upserts_as_a_no_op() {
    let db = TestDb::new("key_only_table").await;
    let mut conn = db.conn().await;
    let first = KnownSpell {
        bot_id: 1,
        spell_id: 133,
    };
    round_trip::run(
        &mut conn,
        first.clone(),
        first,
        KnownSpell {
            bot_id: 1,
            spell_id: 116,
        },
    )
    .await;
}

#[tokio::test]
async fn unique_and_index_columns_round_trip() {
    let db = TestDb::new("unique_and_index").await;
    let mut conn = db.conn().await;
    let first = BotAccount {
        bot_id: 1,
        name: "Thrall".to_owned(),
        account_id: 5,
    };
    let changed = BotAccount {
        name: "Jaina".to_owned(),
        ..first.clone()
    };
    let second = BotAccount {
        bot_id: 2,
        name: "Thrall".to_owned(),
        account_id: 5,
    };
    round_trip::run(&mut conn, first, changed, second).await;
}
