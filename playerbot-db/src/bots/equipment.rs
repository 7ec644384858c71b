use crate::{BotEntity, BotEnum};

/// The equipment slots, numbered as the client numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, BotEnum)]
#[repr(u8)]
pub enum ItemSlot {
    Head = 0,
    Neck = 1,
    Shoulders = 2,
    Body = 3,
    Chest = 4,
    Waist = 5,
    Legs = 6,
    Feet = 7,
    Wrists = 8,
    Hands = 9,
    Finger1 = 10,
    Finger2 = 11,
    Trinket1 = 12,
    Trinket2 = 13,
    Back = 14,
    MainHand = 15,
    OffHand = 16,
    Ranged = 17,
    Tabard = 18,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, BotEnum)]
#[repr(u8)]
pub enum ItemQuality {
    Poor = 0,
    Common = 1,
    Uncommon = 2,
    Rare = 3,
    Epic = 4,
    Legendary = 5,
    Artifact = 6,
    Heirloom = 7,
}

/// One equipped item of a bot.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "bot_equipment", partition(width = 10000, count = 8))]
pub struct Equipment {
    #[bot(key, partition_key)]
    pub bot_id: u32,
    #[bot(key, repr = u8)]
    pub slot: ItemSlot,
    pub item_entry: u32,
    #[bot(repr = u8)]
    pub quality: Option<ItemQuality>,
    pub enchant_id: Option<u32>,
    pub durability: u16,
    /// The item's unique GUID: one item cannot be equipped twice.
    #[bot(column = "item_guid")]
    pub guid: u64,
}
