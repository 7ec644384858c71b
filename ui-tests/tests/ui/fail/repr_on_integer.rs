use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    #[bot(key)]
    bot_id: u32,
    #[bot(repr = u8)]
    level: u8,
}

fn main() {}
