use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct Aura {
    #[bot(key)]
    guid: u32,
    #[bot(charset = "latin1")]
    spell: u32,
}

fn main() {}
