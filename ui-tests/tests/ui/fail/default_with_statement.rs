use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct Aura {
    #[bot(key)]
    guid: u32,
    #[bot(default = "0; DROP TABLE aura")]
    spell: u32,
}

fn main() {}
