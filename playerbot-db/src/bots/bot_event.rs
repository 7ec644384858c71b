use crate::BotEntity;

/// A per-bot named event value that expires (cooldowns, "last seen", quest flags), keyed by
/// `(bot_id, event)` so a new value replaces the old one in place.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "bot_event", partition(width = 10000, count = 8))]
pub struct BotEvent {
    /// The bot's id; also the partition key.
    #[bot(key, partition_key)]
    pub bot_id: u32,
    /// The event's name (at most 64 characters).
    #[bot(key, max_len = 64)]
    pub event: String,
    /// The event's value.
    pub value: i64,
    /// Unix time in seconds after which the event no longer counts.
    #[bot(index)]
    pub expires_at: i64,
}
