//! A raw identifier names its column without the `r#`.
use playerbot_db::{BotEntity, Dialect};

#[derive(BotEntity)]
struct Item {
    #[bot(key)]
    r#type: u32,
    r#ref: u32,
}

fn main() {
    let sql = Item::META.statements(Dialect::MariaDb);
    assert!(sql.select_by_key.contains("`type` = ?"));
    assert!(sql.insert.contains("`ref`"));
    let _ = (Item::TYPE, Item::REF);
}
