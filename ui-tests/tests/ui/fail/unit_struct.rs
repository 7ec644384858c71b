use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState;

fn main() {}
