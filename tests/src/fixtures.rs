//! Sample rows of the example entities.

use playerbot_db::bots::{BotEvent, BotState};

pub fn bot_state(bot_id: u32) -> BotState {
    BotState {
        bot_id,
        map_id: (bot_id % 700) as u16,
        zone_id: bot_id.wrapping_mul(3),
        x: bot_id as f32 * 0.5,
        y: -(bot_id as f32) * 0.25,
        z: 12.5,
        orientation: 1.5,
        health: bot_id.wrapping_add(1000),
        mana: 500,
        level: (bot_id % 80 + 1) as u8,
        flags: 0,
        updated_at: i64::from(bot_id) * 1000,
    }
}

pub fn bot_event(bot_id: u32, event: &str, value: i64) -> BotEvent {
    BotEvent {
        bot_id,
        event: event.to_owned(),
        value,
        expires_at: 1_900_000_000,
    }
}

/// `per_bot` events of each bot of `bots`.
pub fn events_of(bots: std::ops::Range<u32>, per_bot: u32) -> Vec<BotEvent> {
    bots.flat_map(|bot_id| {
        (0..per_bot).map(move |i| BotEvent {
            bot_id,
            event: format!("e{i}"),
            value: i64::from(i),
            expires_at: 1_800_000_000,
        })
    })
    .collect()
}
