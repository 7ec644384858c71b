use std::collections::HashMap;

use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    #[bot(key)]
    bot_id: u32,
    inventory: HashMap<String, u32>,
}

fn main() {}
