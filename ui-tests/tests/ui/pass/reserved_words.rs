//! Reserved words as table and column names: every statement quotes them.
use playerbot_db::BotEntity;

#[derive(BotEntity)]
#[bot(table = "group")]
struct Member {
    #[bot(key)]
    bot_id: u32,
    #[bot(column = "order")]
    position: u32,
    rank: u8,
}

fn main() {
    let _ = Member::META.statements(playerbot_db::Dialect::MariaDb).upsert;
    let _ = Member::RANK;
}
