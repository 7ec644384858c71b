//! Entities that exist only to exercise the derive: every supported type and attribute.

use playerbot_db::{BotEntity, BotEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, BotEnum)]
#[repr(i16)]
pub enum Mood {
    Angry = -3,
    Calm = 0,
    Happy = 7,
}

/// One column of every supported Rust type, plain and optional.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "all_types")]
pub struct AllTypes {
    #[bot(key)]
    pub id: u64,
    pub a_u8: u8,
    pub a_u16: u16,
    pub a_u32: u32,
    pub a_u64: u64,
    pub a_i8: i8,
    pub a_i16: i16,
    pub a_i32: i32,
    pub a_i64: i64,
    pub a_f32: f32,
    pub a_f64: f64,
    pub a_bool: bool,
    #[bot(max_len = 16)]
    pub short_text: String,
    pub long_text: String,
    #[bot(max_len = 8)]
    pub short_bytes: Vec<u8>,
    pub long_bytes: Vec<u8>,
    #[bot(repr = i16)]
    pub mood: Mood,
    pub maybe_u32: Option<u32>,
    pub maybe_i64: Option<i64>,
    pub maybe_f32: Option<f32>,
    pub maybe_bool: Option<bool>,
    #[bot(max_len = 16)]
    pub maybe_text: Option<String>,
    pub maybe_bytes: Option<Vec<u8>>,
    #[bot(repr = i16)]
    pub maybe_mood: Option<Mood>,
    #[bot(sql_type = "DECIMAL(12,0)")]
    pub money: i64,
    #[bot(skip)]
    pub transient: Vec<String>,
}

/// A table of key columns only: an upsert must still be a valid statement.
#[derive(Debug, Clone, PartialEq, BotEntity)]
pub struct KnownSpell {
    #[bot(key)]
    pub bot_id: u32,
    #[bot(key)]
    pub spell_id: u32,
}

/// Secondary unique key and index on an unpartitioned table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "bot_account")]
pub struct BotAccount {
    #[bot(key)]
    pub bot_id: u32,
    #[bot(unique, max_len = 12)]
    pub name: String,
    #[bot(index)]
    pub account_id: u32,
}

impl AllTypes {
    /// An ordinary row with key `id`.
    pub fn sample(id: u64) -> AllTypes {
        AllTypes {
            id,
            a_u8: 1,
            a_u16: 2,
            a_u32: 3,
            a_u64: 4,
            a_i8: -1,
            a_i16: -2,
            a_i32: -3,
            a_i64: -4,
            a_f32: 1.5,
            a_f64: 2.5,
            a_bool: true,
            short_text: "short".into(),
            long_text: "long".into(),
            short_bytes: vec![1, 2],
            long_bytes: vec![3, 4],
            mood: Mood::Calm,
            maybe_u32: None,
            maybe_i64: Some(5),
            maybe_f32: None,
            maybe_bool: Some(true),
            maybe_text: None,
            maybe_bytes: None,
            maybe_mood: Some(Mood::Happy),
            money: 100,
            transient: Vec::new(),
        }
    }
}

/// Keyed by an id the server generates, as the game's item and character tables are.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "item_instance")]
pub struct ItemInstance {
    #[bot(key, auto_increment)]
    pub guid: u64,
    #[bot(max_len = 32)]
    pub owner: String,
    pub count: u32,
}
