use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    #[bot(key, primary)]
    bot_id: u32,
}

fn main() {}
