use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(partition(width = 10000, count = 4), unique(realm, name))]
struct BotName {
    #[bot(key, partition_key)]
    bot_id: u32,
    realm: u16,
    #[bot(max_len = 12)]
    name: String,
}

fn main() {}
