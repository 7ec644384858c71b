//! The built-in bot schema, compiled in from the repository's `migrations/` folder.

use super::Migration;

macro_rules! shipped {
    ($($name:literal),* $(,)?) => {
        vec![$(Migration::new($name, include_str!(concat!("../../../migrations/", $name)))),*]
    };
}

pub(super) fn migrations() -> Vec<Migration> {
    shipped![
        "0001_bot_state.sql",
        "0002_bot_event.sql",
        "0003_ai_value.sql",
        "0004_bot_strategy.sql",
        "0005_bot_equipment.sql",
        "0006_exact_string_keys.mariadb.sql",
        "0006_exact_string_keys.mysql.sql",
        "0007_lookup_keys_in_key_order.sql",
    ]
}
