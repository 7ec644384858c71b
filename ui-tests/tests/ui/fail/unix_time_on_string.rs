use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct Login {
    #[bot(key)]
    bot: u32,
    #[bot(unix_time)]
    at: String,
}

fn main() {}
