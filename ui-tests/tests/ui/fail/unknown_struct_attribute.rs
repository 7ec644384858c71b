use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(tablename = "bot_state")]
struct BotState {
    #[bot(key)]
    bot_id: u32,
}

fn main() {}
