use playerbot_db::BotEntity;

#[derive(Debug, Clone, Copy)]
#[repr(u8)]
enum Slot {
    Head = 0,
    Chest = 4,
}

#[derive(BotEntity)]
struct Equipment {
    #[bot(key)]
    bot_id: u32,
    #[bot(repr = u8)]
    slot: Slot,
}

fn main() {}
