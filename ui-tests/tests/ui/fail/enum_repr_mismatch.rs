use playerbot_db::{BotEntity, BotEnum};

#[derive(Debug, Clone, Copy, BotEnum)]
#[repr(u8)]
enum Slot {
    Head = 0,
    Chest = 4,
}

#[derive(BotEntity)]
struct Equipment {
    #[bot(key)]
    bot_id: u32,
    #[bot(repr = u16)]
    slot: Slot,
}

fn main() {}
