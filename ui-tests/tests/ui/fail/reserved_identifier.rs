use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    #[bot(key)]
    bot_id: u32,
    #[bot(column = "order")]
    position: u32,
}

fn main() {}
