//! `Equipment` in C: one equipped item of a bot, keyed by bot and slot.

use playerbot_db::bots::{Equipment, ItemQuality, ItemSlot};
use playerbot_db::{BotEnum, Lookup};

use crate::entity::{self, FfiEntity, PerBot};
use crate::error::{Failure, Outcome};
use crate::handle::PbdbDb;
use crate::result::{Payload, PbdbResult};
use crate::status::PbdbStatus;

/// One `bot_equipment` row (`playerbot_db::bots::Equipment`). Slots (0 head … 18 tabard)
/// and qualities (0 poor … 7 heirloom) are numbered as the client numbers them.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PbdbEquipment {
    /// The bot's id (key, partition key).
    pub bot_id: u32,
    /// The slot the item is in, 0 to 18 (key).
    pub slot: u8,
    /// The item's template entry.
    pub item_entry: u32,
    /// Nonzero when `quality` is known.
    pub has_quality: u8,
    /// The item's quality, 0 to 7.
    pub quality: u8,
    /// Nonzero when the item has an enchantment.
    pub has_enchant_id: u8,
    /// The enchantment.
    pub enchant_id: u32,
    /// The item's current durability.
    pub durability: u16,
    /// The item's unique GUID (unique: one item cannot be equipped twice).
    pub guid: u64,
}

/// The key of a `bot_equipment` row.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PbdbEquipmentKey {
    /// The bot's id.
    pub bot_id: u32,
    /// The slot, 0 to 18.
    pub slot: u8,
}

fn slot(number: u8) -> Outcome<ItemSlot> {
    ItemSlot::from_repr(number)
        .ok_or_else(|| Failure::argument(format!("slot {number} is no item slot (0 to 18)")))
}

fn quality(number: u8) -> Outcome<ItemQuality> {
    ItemQuality::from_repr(number)
        .ok_or_else(|| Failure::argument(format!("quality {number} is no item quality (0 to 7)")))
}

impl FfiEntity for Equipment {
    type C = PbdbEquipment;
    type CKey = PbdbEquipmentKey;
    const C_NAME: &'static str = "PbdbEquipment";

    unsafe fn from_c(c: &PbdbEquipment) -> Outcome<Equipment> {
        Ok(Equipment {
            bot_id: c.bot_id,
            slot: slot(c.slot)?,
            item_entry: c.item_entry,
            quality: (c.has_quality != 0)
                .then(|| quality(c.quality))
                .transpose()?,
            enchant_id: (c.has_enchant_id != 0).then_some(c.enchant_id),
            durability: c.durability,
            guid: c.guid,
        })
    }

    unsafe fn key_from_c(key: &PbdbEquipmentKey) -> Outcome<(u32, ItemSlot)> {
        Ok((key.bot_id, slot(key.slot)?))
    }

    fn to_c(&self) -> PbdbEquipment {
        PbdbEquipment {
            bot_id: self.bot_id,
            slot: self.slot.to_repr(),
            item_entry: self.item_entry,
            has_quality: u8::from(self.quality.is_some()),
            quality: self.quality.map_or(0, |q| q.to_repr()),
            has_enchant_id: u8::from(self.enchant_id.is_some()),
            enchant_id: self.enchant_id.unwrap_or_default(),
            durability: self.durability,
            guid: self.guid,
        }
    }

    fn into_payload(rows: Vec<Option<Equipment>>) -> Payload {
        Payload::Equipment(rows)
    }

    fn rows_of(payload: &Payload) -> Option<&[Option<Equipment>]> {
        match payload {
            Payload::Equipment(rows) => Some(rows),
            _ => None,
        }
    }

    fn rows_mut(payload: &mut Payload) -> Option<&mut Vec<Option<Equipment>>> {
        match payload {
            Payload::Equipment(rows) => Some(rows),
            _ => None,
        }
    }
}

impl PerBot for Equipment {
    fn by_bot(bot_id: u32) -> Lookup<Equipment> {
        Equipment::by_bot_id(bot_id)
    }
}

/// Saves `row` now (one upsert by its key). Blocks until the server answered: at most the
/// checkout timeout plus the statement timeout per attempt (`max_retries` attempts).
///
/// # Safety
/// `db` is NULL or a live handle; `row` is NULL or a readable `PbdbEquipment` whose strings follow
/// `PbdbStr`'s input rules.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_save(
    db: *const PbdbDb,
    row: *const PbdbEquipment,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save::<Equipment>(db, row) }
}

/// Accepts `row` for the write-behind queue and returns at once (see
/// `pbdb_bot_state_save_deferred`).
///
/// # Safety
/// As `pbdb_equipment_save`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_save_deferred(
    db: *const PbdbDb,
    row: *const PbdbEquipment,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_deferred::<Equipment>(db, row) }
}

/// Deletes the row with `key` now; `PBDB_NOT_FOUND` when there was none.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbEquipmentKey`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_delete(
    db: *const PbdbDb,
    key: *const PbdbEquipmentKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete::<Equipment>(db, key) }
}

/// Accepts a delete of `key` for the write-behind queue and returns at once.
///
/// # Safety
/// As `pbdb_equipment_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_delete_deferred(
    db: *const PbdbDb,
    key: *const PbdbEquipmentKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_deferred::<Equipment>(db, key) }
}

/// Loads the row with `key`: `*out` is a result of one row, or NULL with `PBDB_NOT_FOUND`.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbEquipmentKey`; `out` points at a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_load(
    db: *const PbdbDb,
    key: *const PbdbEquipmentKey,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load::<Equipment>(db, key, out) }
}

/// As `pbdb_equipment_load`, into `into`, a result the caller keeps for loads after loads (from
/// `pbdb_result_new` or any read): what it held is dropped (views into it are no longer
/// valid) and its storage reused, so a load the cache answers allocates nothing for the
/// result. On success it holds the one row; on failure, none.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbEquipmentKey`; `into` is NULL
/// or a live result no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_load_into(
    db: *const PbdbDb,
    key: *const PbdbEquipmentKey,
    into: *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_into::<Equipment>(db, key, into) }
}

/// Loads `count` keys at once: `*out` has one place per key, in order, found or not.
///
/// # Safety
/// As `pbdb_equipment_load`, with `keys` NULL (count 0) or `count` readable keys.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_load_many(
    db: *const PbdbDb,
    keys: *const PbdbEquipmentKey,
    count: usize,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many::<Equipment>(db, keys, count, out) }
}

/// Saves `count` rows in bulk, in one transaction (all or nothing).
///
/// # Safety
/// `db` is NULL or a live handle; `rows` is NULL (count 0) or `count` readable rows.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_save_all(
    db: *const PbdbDb,
    rows: *const PbdbEquipment,
    count: usize,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_all::<Equipment>(db, rows, count) }
}

/// Copies place `index` of `result` into `*out` (its strings point into `result`);
/// `PBDB_NOT_FOUND` for a key `load_many` did not find.
///
/// # Safety
/// `result` is NULL or a live result; `out` points at a writable `PbdbEquipment`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_get(
    result: *const PbdbResult,
    index: usize,
    out: *mut PbdbEquipment,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::get::<Equipment>(result, index, out) }
}

/// Submits a save of `row` and returns at once; `pbdb_poll` reports it under `token`.
///
/// # Safety
/// As `pbdb_equipment_save` (`row` is copied before the call returns).
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_save_async(
    db: *const PbdbDb,
    row: *const PbdbEquipment,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_async::<Equipment>(db, row, token) }
}

/// Submits a delete of `key` and returns at once.
///
/// # Safety
/// As `pbdb_equipment_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_delete_async(
    db: *const PbdbDb,
    key: *const PbdbEquipmentKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_async::<Equipment>(db, key, token) }
}

/// Submits a load of `key` and returns at once; its completion carries the result.
///
/// # Safety
/// As `pbdb_equipment_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_load_async(
    db: *const PbdbDb,
    key: *const PbdbEquipmentKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_async::<Equipment>(db, key, token) }
}

/// Submits a load of `count` keys and returns at once.
///
/// # Safety
/// As `pbdb_equipment_load_many`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_load_many_async(
    db: *const PbdbDb,
    keys: *const PbdbEquipmentKey,
    count: usize,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many_async::<Equipment>(db, keys, count, token) }
}

/// Loads every row of bot `bot_id`, in key order (one partition read): `*out` holds them,
/// perhaps none.
///
/// # Safety
/// `db` is NULL or a live handle; `out` points at a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_load_by_bot(
    db: *const PbdbDb,
    bot_id: u32,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_by_bot::<Equipment>(db, bot_id, out) }
}

/// Submits a load of every row of bot `bot_id` and returns at once.
///
/// # Safety
/// `db` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbdb_equipment_load_by_bot_async(
    db: *const PbdbDb,
    bot_id: u32,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_by_bot_async::<Equipment>(db, bot_id, token) }
}
