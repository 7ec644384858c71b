use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    #[bot(key)]
    bot_id: u32,
    #[bot(max_len = 10)]
    level: u8,
}

fn main() {}
