//! The built-in bot schema: the tables a PlayerBot module keeps per bot, as entities.
//!
//! They replace the field's delete-then-insert patterns with keyed upserts, and they are the
//! tables the simulator and the benchmarks use.

mod ai_value;
mod bot_event;
mod bot_state;
mod equipment;
mod strategy;

pub use ai_value::AiValue;
pub use bot_event::BotEvent;
pub use bot_state::BotState;
pub use equipment::{Equipment, ItemQuality, ItemSlot};
pub use strategy::{BotStrategy, StrategyEngine};
