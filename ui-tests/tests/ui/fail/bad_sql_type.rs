use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState {
    #[bot(key)]
    bot_id: u32,
    #[bot(sql_type = "INT; DROP TABLE bot_state")]
    gold: u32,
}

fn main() {}
