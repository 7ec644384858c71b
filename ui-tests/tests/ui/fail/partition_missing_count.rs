use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(partition(width = 1000))]
struct BotState {
    #[bot(key, partition_key)]
    bot_id: u32,
}

fn main() {}
