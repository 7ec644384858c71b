use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    bot_id: u32,
    level: u8,
}

fn main() {}
