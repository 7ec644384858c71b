use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotName<'a> {
    #[bot(key)]
    bot_id: u32,
    name: std::borrow::Cow<'a, str>,
}

fn main() {}
