use crate::{BotEntity, BotEnum};

/// The equipment slots, numbered as the client numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, BotEnum)]
#[repr(u8)]
pub enum ItemSlot {
    /// Head.
    Head = 0,
    /// Neck.
    Neck = 1,
    /// Shoulders.
    Shoulders = 2,
    /// Body (shirt).
    Body = 3,
    /// Chest.
    Chest = 4,
    /// Waist.
    Waist = 5,
    /// Legs.
    Legs = 6,
    /// Feet.
    Feet = 7,
    /// Wrists.
    Wrists = 8,
    /// Hands.
    Hands = 9,
    /// First ring.
    Finger1 = 10,
    /// Second ring.
    Finger2 = 11,
    /// First trinket.
    Trinket1 = 12,
    /// Second trinket.
    Trinket2 = 13,
    /// Back (cloak).
    Back = 14,
    /// Main hand.
    MainHand = 15,
    /// Off hand.
    OffHand = 16,
    /// Ranged.
    Ranged = 17,
    /// Tabard.
    Tabard = 18,
}

/// An item's quality (rarity), numbered as the client numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, BotEnum)]
#[repr(u8)]
pub enum ItemQuality {
    /// Poor (grey).
    Poor = 0,
    /// Common (white).
    Common = 1,
    /// Uncommon (green).
    Uncommon = 2,
    /// Rare (blue).
    Rare = 3,
    /// Epic (purple).
    Epic = 4,
    /// Legendary (orange).
    Legendary = 5,
    /// Artifact.
    Artifact = 6,
    /// Heirloom.
    Heirloom = 7,
}

/// One equipped item of a bot.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "bot_equipment", partition(width = 10000, count = 8))]
pub struct Equipment {
    /// The bot's id; also the partition key.
    #[bot(key, partition_key)]
    pub bot_id: u32,
    /// The slot the item is in; stored as its number.
    #[bot(key, repr = u8)]
    pub slot: ItemSlot,
    /// The item's template entry.
    pub item_entry: u32,
    /// The item's quality, if known; stored as its number.
    #[bot(repr = u8)]
    pub quality: Option<ItemQuality>,
    /// The enchantment on the item, if any.
    pub enchant_id: Option<u32>,
    /// The item's current durability.
    pub durability: u16,
    /// The item's unique GUID: one item cannot be equipped twice.
    #[bot(column = "item_guid")]
    pub guid: u64,
}
