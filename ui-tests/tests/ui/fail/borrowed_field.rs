use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotName {
    #[bot(key)]
    bot_id: u32,
    name: &'static str,
}

fn main() {}
