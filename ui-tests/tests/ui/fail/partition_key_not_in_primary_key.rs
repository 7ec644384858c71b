use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(partition(width = 1000, count = 4))]
struct BotEvent {
    #[bot(key, max_len = 32)]
    event: String,
    #[bot(partition_key)]
    bot_id: u32,
}

fn main() {}
