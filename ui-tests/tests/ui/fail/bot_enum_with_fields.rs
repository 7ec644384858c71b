use playerbot_db::BotEnum;

#[derive(BotEnum)]
#[repr(u8)]
enum Slot {
    Head,
    Ring(u8),
}

fn main() {}
