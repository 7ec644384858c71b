use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct Account {
    #[bot(key)]
    id: u32,
    #[bot(server_default = "CURRENT_TIMESTAMP", unix_time)]
    joined: i64,
}

fn main() {}
