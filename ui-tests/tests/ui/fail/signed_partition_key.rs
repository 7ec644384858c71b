use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(partition(width = 1000, count = 4))]
struct BotState {
    #[bot(key, partition_key)]
    bot_id: i32,
}

fn main() {}
