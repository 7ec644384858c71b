use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    #[bot(key)]
    bot_id: u32,
    #[bot(skip, index)]
    cached: u32,
}

fn main() {}
