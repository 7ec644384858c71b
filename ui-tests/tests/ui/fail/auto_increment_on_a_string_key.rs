use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct Note {
    #[bot(key, auto_increment, max_len = 32)]
    name: String,
}

fn main() {}
