//! Every struct and field attribute, and what each one changes in the metadata.

use std::time::Duration;

use playerbot_db::{BotEntity, CachePolicy, Dialect, Partitioning};

#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "bot_profile", partition(width = 5000, count = 3), cache(capacity = 1024, ttl_secs = 30))]
struct Profile {
    #[bot(key, partition_key)]
    bot_id: u32,
    #[bot(key, max_len = 16)]
    realm: String,
    #[bot(column = "display_name", max_len = 24, index)]
    name: String,
    #[bot(sql_type = "DECIMAL(14,0)")]
    gold: i64,
    #[bot(skip)]
    scratch: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, BotEntity)]
struct Account {
    #[bot(key)]
    account_id: u64,
    #[bot(unique, max_len = 32)]
    login: String,
}

fn main() {
    let meta = Profile::META;
    assert_eq!(meta.table, "bot_profile");
    assert_eq!(meta.partitioning, Some(Partitioning { column: "bot_id", width: 5000, count: 3 }));
    assert_eq!(meta.cache, Some(CachePolicy { capacity: 1024, ttl: Some(Duration::from_secs(30)) }));
    let names: Vec<&str> = meta.columns.iter().map(|c| c.name).collect();
    assert_eq!(names, ["bot_id", "realm", "display_name", "gold"]);
    assert_eq!(meta.column("display_name").unwrap().sql_type, "VARCHAR(24)");
    assert!(meta.column("display_name").unwrap().indexed);
    assert_eq!(meta.column("gold").unwrap().sql_type, "DECIMAL(14,0)");
    assert!(Account::META.column("login").unwrap().unique);
    assert!(Account::META.cache.is_none());

    let profile = Profile { bot_id: 12_345, realm: "eu".into(), name: "Bot".into(), gold: 7, scratch: vec!["x".into()] };
    let key: (u32, String) = profile.key();
    assert_eq!(key, (12_345, "eu".to_owned()));
    assert_eq!(profile.partition(), Some(2));
    assert_eq!(Profile::key_partition(&key), Some(2));
    assert_eq!(profile.to_params().len(), 4);
    assert_eq!(Profile::key_params(&key).len(), 2);
    assert!(meta.statements(Dialect::MariaDb).create_table.contains("PARTITION BY RANGE (`bot_id`)"));
}
