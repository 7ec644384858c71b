use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotEvent {
    #[bot(key)]
    bot_id: u32,
    #[bot(key)]
    event: String,
}

fn main() {}
