use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(table = "bot-state")]
struct BotState {
    #[bot(colour = "red")]
    bot_id: u32,
    #[bot(max_len = 3)]
    level: u8,
    spells: Vec<u32>,
}

fn main() {}
