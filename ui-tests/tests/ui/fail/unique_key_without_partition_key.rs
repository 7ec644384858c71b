use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(partition(width = 1000, count = 4))]
struct BotState {
    #[bot(key, partition_key)]
    bot_id: u32,
    #[bot(unique, max_len = 12)]
    name: String,
}

fn main() {}
