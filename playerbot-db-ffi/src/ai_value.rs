//! `AiValue` in C: a value the bot AI remembers between sessions, in typed slots that may
//! each be empty.

use playerbot_db::bots::AiValue;
use playerbot_db::Lookup;

use crate::entity::{self, FfiEntity, PerBot};
use crate::error::Outcome;
use crate::handle::PbdbDb;
use crate::result::{Payload, PbdbResult};
use crate::status::PbdbStatus;
use crate::strings::{PbdbBytes, PbdbStr};

/// One `ai_value` row (`playerbot_db::bots::AiValue`). An empty slot: a NULL `ptr` for text
/// and bytes, a `has_` flag of 0 for numbers.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbAiValue {
    /// The bot's id (key).
    pub bot_id: u32,
    /// The value's name (key; at most 64 characters).
    pub name: PbdbStr,
    /// The text slot; NULL `ptr`: empty.
    pub value_text: PbdbStr,
    /// Nonzero when `value_int` holds a value.
    pub has_value_int: u8,
    /// The integer slot.
    pub value_int: i64,
    /// Nonzero when `value_float` holds a value.
    pub has_value_float: u8,
    /// The float slot.
    pub value_float: f64,
    /// The binary slot (at most 4,096 bytes); NULL `ptr`: empty.
    pub value_blob: PbdbBytes,
    /// When the value was last changed.
    pub updated_at: i64,
}

/// The key of an `ai_value` row.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbAiValueKey {
    /// The bot's id.
    pub bot_id: u32,
    /// The value's name.
    pub name: PbdbStr,
}

impl FfiEntity for AiValue {
    type C = PbdbAiValue;
    type CKey = PbdbAiValueKey;
    const C_NAME: &'static str = "PbdbAiValue";

    unsafe fn from_c(c: &PbdbAiValue) -> Outcome<AiValue> {
        Ok(AiValue {
            bot_id: c.bot_id,
            // SAFETY: the caller's promise about the struct's strings.
            name: unsafe { c.name.read_string("name") }?,
            // SAFETY: as above.
            text: unsafe { c.value_text.read_option("value_text") }?,
            int: (c.has_value_int != 0).then_some(c.value_int),
            float: (c.has_value_float != 0).then_some(c.value_float),
            // SAFETY: as above.
            blob: unsafe { c.value_blob.read_option("value_blob") }?,
            updated_at: c.updated_at,
            dirty: false,
        })
    }

    unsafe fn key_from_c(key: &PbdbAiValueKey) -> Outcome<(u32, String)> {
        // SAFETY: the caller's promise about the struct's strings.
        Ok((key.bot_id, unsafe { key.name.read_string("name") }?))
    }

    fn to_c(&self) -> PbdbAiValue {
        PbdbAiValue {
            bot_id: self.bot_id,
            name: PbdbStr::of(&self.name),
            value_text: PbdbStr::of_option(self.text.as_deref()),
            has_value_int: u8::from(self.int.is_some()),
            value_int: self.int.unwrap_or_default(),
            has_value_float: u8::from(self.float.is_some()),
            value_float: self.float.unwrap_or_default(),
            value_blob: PbdbBytes::of_option(self.blob.as_deref()),
            updated_at: self.updated_at,
        }
    }

    fn into_payload(rows: Vec<Option<AiValue>>) -> Payload {
        Payload::AiValue(rows)
    }

    fn rows_of(payload: &Payload) -> Option<&[Option<AiValue>]> {
        match payload {
            Payload::AiValue(rows) => Some(rows),
            _ => None,
        }
    }

    fn rows_mut(payload: &mut Payload) -> Option<&mut Vec<Option<AiValue>>> {
        match payload {
            Payload::AiValue(rows) => Some(rows),
            _ => None,
        }
    }
}

impl PerBot for AiValue {
    fn by_bot(bot_id: u32) -> Lookup<AiValue> {
        AiValue::by_bot_id(bot_id)
    }
}

/// Saves `row` now (one upsert by its key). Blocks until the server answered: at most the
/// checkout timeout plus the statement timeout per attempt (`max_retries` attempts).
///
/// # Safety
/// `db` is NULL or a live handle; `row` is NULL or a readable `PbdbAiValue` whose strings follow
/// `PbdbStr`'s input rules.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_save(
    db: *const PbdbDb,
    row: *const PbdbAiValue,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save::<AiValue>(db, row) }
}

/// Accepts `row` for the write-behind queue and returns at once (see
/// `pbdb_bot_state_save_deferred`).
///
/// # Safety
/// As `pbdb_ai_value_save`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_save_deferred(
    db: *const PbdbDb,
    row: *const PbdbAiValue,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_deferred::<AiValue>(db, row) }
}

/// Deletes the row with `key` now; `PBDB_NOT_FOUND` when there was none.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbAiValueKey`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_delete(
    db: *const PbdbDb,
    key: *const PbdbAiValueKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete::<AiValue>(db, key) }
}

/// Accepts a delete of `key` for the write-behind queue and returns at once.
///
/// # Safety
/// As `pbdb_ai_value_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_delete_deferred(
    db: *const PbdbDb,
    key: *const PbdbAiValueKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_deferred::<AiValue>(db, key) }
}

/// Loads the row with `key`: `*out` is a result of one row, or NULL with `PBDB_NOT_FOUND`.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbAiValueKey`; `out` points at a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_load(
    db: *const PbdbDb,
    key: *const PbdbAiValueKey,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load::<AiValue>(db, key, out) }
}

/// As `pbdb_ai_value_load`, into `into`, a result the caller keeps for loads after loads (from
/// `pbdb_result_new` or any read): what it held is dropped (views into it are no longer
/// valid) and its storage reused, so a load the cache answers allocates nothing for the
/// result. On success it holds the one row; on failure, none.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbAiValueKey`; `into` is NULL
/// or a live result no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_load_into(
    db: *const PbdbDb,
    key: *const PbdbAiValueKey,
    into: *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_into::<AiValue>(db, key, into) }
}

/// Loads `count` keys at once: `*out` has one place per key, in order, found or not.
///
/// # Safety
/// As `pbdb_ai_value_load`, with `keys` NULL (count 0) or `count` readable keys.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_load_many(
    db: *const PbdbDb,
    keys: *const PbdbAiValueKey,
    count: usize,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many::<AiValue>(db, keys, count, out) }
}

/// Saves `count` rows in bulk, in one transaction (all or nothing).
///
/// # Safety
/// `db` is NULL or a live handle; `rows` is NULL (count 0) or `count` readable rows.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_save_all(
    db: *const PbdbDb,
    rows: *const PbdbAiValue,
    count: usize,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_all::<AiValue>(db, rows, count) }
}

/// Copies place `index` of `result` into `*out` (its strings point into `result`);
/// `PBDB_NOT_FOUND` for a key `load_many` did not find.
///
/// # Safety
/// `result` is NULL or a live result; `out` points at a writable `PbdbAiValue`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_get(
    result: *const PbdbResult,
    index: usize,
    out: *mut PbdbAiValue,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::get::<AiValue>(result, index, out) }
}

/// Submits a save of `row` and returns at once; `pbdb_poll` reports it under `token`.
///
/// # Safety
/// As `pbdb_ai_value_save` (`row` is copied before the call returns).
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_save_async(
    db: *const PbdbDb,
    row: *const PbdbAiValue,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_async::<AiValue>(db, row, token) }
}

/// Submits a delete of `key` and returns at once.
///
/// # Safety
/// As `pbdb_ai_value_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_delete_async(
    db: *const PbdbDb,
    key: *const PbdbAiValueKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_async::<AiValue>(db, key, token) }
}

/// Submits a load of `key` and returns at once; its completion carries the result.
///
/// # Safety
/// As `pbdb_ai_value_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_load_async(
    db: *const PbdbDb,
    key: *const PbdbAiValueKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_async::<AiValue>(db, key, token) }
}

/// Submits a load of `count` keys and returns at once.
///
/// # Safety
/// As `pbdb_ai_value_load_many`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_load_many_async(
    db: *const PbdbDb,
    keys: *const PbdbAiValueKey,
    count: usize,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many_async::<AiValue>(db, keys, count, token) }
}

/// Loads every row of bot `bot_id`, in key order (one partition read): `*out` holds them,
/// perhaps none.
///
/// # Safety
/// `db` is NULL or a live handle; `out` points at a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_load_by_bot(
    db: *const PbdbDb,
    bot_id: u32,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_by_bot::<AiValue>(db, bot_id, out) }
}

/// Submits a load of every row of bot `bot_id` and returns at once.
///
/// # Safety
/// `db` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbdb_ai_value_load_by_bot_async(
    db: *const PbdbDb,
    bot_id: u32,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_by_bot_async::<AiValue>(db, bot_id, token) }
}
