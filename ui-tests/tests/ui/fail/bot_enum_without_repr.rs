use playerbot_db::BotEnum;

#[derive(BotEnum)]
enum Slot {
    Head,
    Chest,
}

fn main() {}
