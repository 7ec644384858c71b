use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(partition(width = 1000, count = 4))]
struct BotState {
    #[bot(key)]
    bot_id: u32,
}

fn main() {}
