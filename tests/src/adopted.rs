//! Entities for existing tables, printed by `playerbot-db entity` from information_schema.
//! Register them with `Db::builder(url).register::<T>()`; `check_schema` compares them
//! with the tables.

use playerbot_db::BotEntity;

/// The `account` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "account", charset = "utf8mb4", collation = "utf8mb4_general_ci")]
pub struct Account {
    #[bot(key, auto_increment)]
    pub id: u32,
    #[bot(unique, max_len = 32, default = "''")]
    pub username: String,
    #[bot(sql_type = "binary(32)")]
    pub salt: Vec<u8>,
    #[bot(sql_type = "binary(32)")]
    pub verifier: Vec<u8>,
    #[bot(max_len = 255, default = "''")]
    pub email: String,
    #[bot(unix_time, sql_type = "timestamp", server_default = "current_timestamp()")]
    pub joindate: Option<i64>,
    #[bot(max_len = 15, default = "'127.0.0.1'")]
    pub last_ip: String,
    #[bot(default = "0")]
    pub failed_logins: u32,
    #[bot(default = "0")]
    pub locked: u8,
    #[bot(default = "2")]
    pub expansion: u8,
    #[bot(default = "0")]
    pub locale: u8,
    #[bot(max_len = 3, default = "''")]
    pub os: String,
}

/// The `character_aura` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "character_aura", engine = "MyISAM", charset = "latin1", collation = "latin1_swedish_ci")]
pub struct CharacterAura {
    #[bot(key, default = "0")]
    pub guid: u32,
    #[bot(key, column = "casterGuid", default = "0")]
    pub caster_guid: u64,
    #[bot(key, column = "itemGuid", default = "0")]
    pub item_guid: u64,
    #[bot(key, sql_type = "mediumint unsigned", default = "0")]
    pub spell: u32,
    #[bot(key, column = "effectMask", default = "0")]
    pub effect_mask: u8,
    #[bot(column = "recalculateMask", default = "0")]
    pub recalculate_mask: u8,
    #[bot(column = "stackCount", default = "1")]
    pub stack_count: u8,
    #[bot(default = "0")]
    pub amount0: i32,
    #[bot(column = "maxDuration", default = "0")]
    pub max_duration: i32,
    #[bot(column = "remainTime", default = "0")]
    pub remain_time: i32,
    #[bot(column = "remainCharges", default = "0")]
    pub remain_charges: u8,
}

/// The `character_inventory` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "character_inventory", charset = "utf8mb4", collation = "utf8mb4_unicode_ci", unique(guid, bag, slot))]
pub struct CharacterInventory {
    #[bot(index, default = "0")]
    pub guid: u32,
    #[bot(default = "0")]
    pub bag: u32,
    #[bot(default = "0")]
    pub slot: u8,
    #[bot(key, default = "0")]
    pub item: u32,
}

/// The `guild_member` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "guild_member", charset = "utf8mb4", collation = "utf8mb4_general_ci", primary_key(guid, guildid), index(guildid, rank))]
pub struct GuildMember {
    pub guildid: u32,
    pub guid: u32,
    pub rank: u8,
    #[bot(max_len = 31, default = "''")]
    pub pnote: String,
    #[bot(max_len = 31, default = "''")]
    pub offnote: String,
}

/// The `playerbots_db_store` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "playerbots_db_store", charset = "utf8mb3", collation = "utf8mb3_general_ci", append_only)]
pub struct PlayerbotsDbStore {
    #[bot(index)]
    pub guid: i64,
    #[bot(max_len = 32)]
    pub key: String,
    #[bot(max_len = 255)]
    pub value: Option<String>,
}

/// The `playerbots_equip_cache` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "playerbots_equip_cache", engine = "MEMORY", charset = "latin1", collation = "latin1_swedish_ci")]
pub struct PlayerbotsEquipCache {
    #[bot(key)]
    pub guid: u32,
    #[bot(default = "1")]
    pub enabled: bool,
    #[bot(default = "0")]
    pub score: f32,
    pub ratio: Option<f64>,
    #[bot(sql_type = "decimal(20,0)", default = "0")]
    pub gold: String,
    #[bot(sql_type = "decimal(10,2)", default = "0.00")]
    pub price: String,
    #[bot(default = "-1")]
    pub spec: i16,
}

/// The `playerbots_guild_tasks` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "playerbots_guild_tasks", charset = "utf8mb3", collation = "utf8mb3_general_ci")]
pub struct PlayerbotsGuildTasks {
    #[bot(key, auto_increment)]
    pub id: i32,
    #[bot(index)]
    pub owner: i32,
    #[bot(index)]
    pub guildid: i32,
    pub time: i32,
    #[bot(column = "validIn")]
    pub valid_in: Option<i32>,
    #[bot(index, max_len = 45)]
    pub r#type: Option<String>,
    pub value: Option<i32>,
    #[bot(max_len = 255)]
    pub data: Option<String>,
}

/// The `playerbots_preferred_mounts` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "playerbots_preferred_mounts", engine = "MyISAM", charset = "utf8mb3", collation = "utf8mb3_general_ci")]
pub struct PlayerbotsPreferredMounts {
    #[bot(key)]
    pub guid: u32,
    #[bot(key)]
    pub r#type: u8,
    #[bot(key)]
    pub spellid: u32,
    #[bot(unix_time)]
    pub added: Option<i64>,
    #[bot(unix_time, sql_type = "date", default = "'2020-01-01'")]
    pub since: i64,
}

/// The `playerbots_random_bots` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "playerbots_random_bots", charset = "utf8mb3", collation = "utf8mb3_general_ci")]
pub struct PlayerbotsRandomBots {
    #[bot(key, auto_increment)]
    pub id: i32,
    #[bot(index)]
    pub owner: i32,
    #[bot(index)]
    pub bot: i32,
    pub time: i32,
    #[bot(column = "validIn")]
    pub valid_in: Option<i32>,
    #[bot(index, max_len = 45)]
    pub event: Option<String>,
    pub value: Option<i64>,
    #[bot(max_len = 255)]
    pub data: Option<String>,
}

/// The `updates` table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "updates", charset = "utf8mb3", collation = "utf8mb3_general_ci")]
pub struct Updates {
    #[bot(key, max_len = 200)]
    pub name: String,
    #[bot(sql_type = "char(40)", default = "''")]
    pub hash: Option<String>,
    #[bot(sql_type = "enum('RELEASED','CUSTOM','MODULE','ARCHIVED','PENDING')", default = "'RELEASED'")]
    pub state: String,
    #[bot(unix_time, sql_type = "timestamp", server_default = "current_timestamp()")]
    pub timestamp: Option<i64>,
    #[bot(default = "0")]
    pub speed: u32,
}
