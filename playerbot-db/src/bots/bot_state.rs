use crate::BotEntity;

/// Where a bot is and how it is doing: the row every bot saves about once a second.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(
    table = "bot_state",
    partition(width = 10000, count = 8),
    cache(capacity = 65536)
)]
pub struct BotState {
    /// The bot's id; also the partition key.
    #[bot(key, partition_key)]
    pub bot_id: u32,
    /// The map the bot is on.
    pub map_id: u16,
    /// The zone the bot is in.
    pub zone_id: u32,
    /// Position: x coordinate.
    pub x: f32,
    /// Position: y coordinate.
    pub y: f32,
    /// Position: z coordinate.
    pub z: f32,
    /// Facing.
    pub orientation: f32,
    /// Current health.
    pub health: u32,
    /// Current mana.
    pub mana: u32,
    /// Character level.
    pub level: u8,
    /// State flags, as the game defines them.
    pub flags: u32,
    /// Unix time in milliseconds of the last change.
    pub updated_at: i64,
}
