use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    #[bot(key)]
    #[bot(key)]
    bot_id: u32,
}

fn main() {}
