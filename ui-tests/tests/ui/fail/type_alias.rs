use playerbot_db::BotEntity;

type LowGuid = u64;

#[derive(BotEntity)]
struct Item {
    #[bot(key)]
    guid: LowGuid,
}

fn main() {}
