use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(primary_key(guid, slott))]
struct Equipment {
    guid: u32,
    slot: u8,
    item: u32,
}

fn main() {}
