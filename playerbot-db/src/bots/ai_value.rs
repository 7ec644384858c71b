use crate::BotEntity;

/// A value the bot AI remembers between sessions; any of the typed slots may be empty.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "ai_value", cache(capacity = 100000, ttl_secs = 300))]
pub struct AiValue {
    /// The bot's id.
    #[bot(key)]
    pub bot_id: u32,
    /// The value's name (at most 64 characters).
    #[bot(key, max_len = 64)]
    pub name: String,
    /// The text slot.
    #[bot(column = "value_text")]
    pub text: Option<String>,
    /// The integer slot.
    #[bot(column = "value_int")]
    pub int: Option<i64>,
    /// The float slot.
    #[bot(column = "value_float")]
    pub float: Option<f64>,
    /// The binary slot (at most 4096 bytes).
    #[bot(column = "value_blob", max_len = 4096)]
    pub blob: Option<Vec<u8>>,
    /// When the value was last changed.
    pub updated_at: i64,
    /// Recomputed by the AI after load; never stored.
    #[bot(skip)]
    pub dirty: bool,
}
