use crate::BotEntity;

/// Where a bot is and how it is doing: the row every bot saves about once a second.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(
    table = "bot_state",
    partition(width = 10000, count = 8),
    cache(capacity = 65536)
)]
pub struct BotState {
    #[bot(key, partition_key)]
    pub bot_id: u32,
    pub map_id: u16,
    pub zone_id: u32,
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub orientation: f32,
    pub health: u32,
    pub mana: u32,
    pub level: u8,
    pub flags: u32,
    /// Unix time in milliseconds of the last change.
    pub updated_at: i64,
}
