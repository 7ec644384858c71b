use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    #[bot(key)]
    bot_id: u32,
    map_id: u16,
    #[bot(column = "Map_Id")]
    map: u16,
}

fn main() {}
