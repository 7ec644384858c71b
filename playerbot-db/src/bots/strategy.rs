use crate::{BotEntity, BotEnum};

/// The AI engine a strategy list belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, BotEnum)]
#[repr(u8)]
pub enum StrategyEngine {
    Combat = 0,
    NonCombat = 1,
    Dead = 2,
    Reaction = 3,
}

/// A bot's active strategies for one engine, as the comma-separated list the AI parses.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "bot_strategy")]
pub struct BotStrategy {
    #[bot(key)]
    pub bot_id: u32,
    #[bot(key, repr = u8)]
    pub engine: StrategyEngine,
    #[bot(max_len = 1024)]
    pub strategies: String,
}
