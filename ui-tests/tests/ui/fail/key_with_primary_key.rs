use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(primary_key(guid, slot))]
struct Equipment {
    #[bot(key)]
    guid: u32,
    slot: u8,
    item: u32,
}

fn main() {}
