use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(append_only)]
struct DbStore {
    #[bot(key)]
    guid: u64,
    #[bot(max_len = 32)]
    key: String,
}

fn main() {}
