use playerbot_db::BotEntity;

// One mistake (a unique key without the partition key); the code using the type below must
// add no errors of its own.
#[derive(BotEntity)]
#[bot(partition(width = 100, count = 2))]
struct Member {
    #[bot(key, partition_key)]
    bot_id: u32,
    #[bot(key)]
    slot: u16,
    #[bot(unique)]
    rank: u32,
}

fn main() {
    let key: <Member as BotEntity>::Key = (1, 2);
    let member = Member {
        bot_id: key.0,
        slot: key.1,
        rank: 3,
    };
    let _ = (member.bot_id, member.slot, member.rank, Member::RANK, Member::SLOT);
}
