use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(table = "bot-state")]
struct BotState {
    #[bot(key)]
    bot_id: u32,
}

fn main() {}
