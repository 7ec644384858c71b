use playerbot_db::{BotEntity, BotEnum};

#[derive(BotEnum, Clone, Copy)]
#[repr(u8)]
enum State {
    Released,
    Custom,
}

#[derive(BotEntity)]
struct Update {
    #[bot(key)]
    id: u32,
    #[bot(by_name, repr = u8)]
    state: State,
}

fn main() {}
