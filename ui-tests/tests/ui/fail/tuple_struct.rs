use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct BotState(u32, u8);

fn main() {}
