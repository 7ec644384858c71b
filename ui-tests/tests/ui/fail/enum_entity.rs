use playerbot_db::BotEntity;

#[derive(BotEntity)]
enum BotState {
    Alive { bot_id: u32 },
    Dead,
}

fn main() {}
