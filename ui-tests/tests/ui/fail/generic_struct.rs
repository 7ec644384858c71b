use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState<T> {
    #[bot(key)]
    bot_id: u32,
    extra: T,
}

fn main() {}
