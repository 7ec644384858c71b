use crate::{BotEntity, BotEnum};

/// The AI engine a strategy list belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, BotEnum)]
#[repr(u8)]
pub enum StrategyEngine {
    /// In combat.
    Combat = 0,
    /// Out of combat.
    NonCombat = 1,
    /// While dead.
    Dead = 2,
    /// Reactions to events.
    Reaction = 3,
}

/// A bot's active strategies for one engine, as the comma-separated list the AI parses.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "bot_strategy")]
pub struct BotStrategy {
    /// The bot's id.
    #[bot(key)]
    pub bot_id: u32,
    /// The engine the list is for; stored as its number.
    #[bot(key, repr = u8)]
    pub engine: StrategyEngine,
    /// The comma-separated strategy names (at most 1024 characters).
    #[bot(max_len = 1024)]
    pub strategies: String,
}
