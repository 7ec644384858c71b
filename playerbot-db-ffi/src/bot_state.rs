//! `BotState` in C: where a bot is and how it is doing, the row every bot saves about once a
//! second.

use playerbot_db::bots::BotState;

use crate::entity::{self, FfiEntity};
use crate::error::Outcome;
use crate::handle::PbdbDb;
use crate::result::{Payload, PbdbResult};
use crate::status::PbdbStatus;

/// One `bot_state` row (`playerbot_db::bots::BotState`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PbdbBotState {
    /// The bot's id (the key).
    pub bot_id: u32,
    /// The map the bot is on.
    pub map_id: u16,
    /// The zone the bot is in.
    pub zone_id: u32,
    /// Position: x.
    pub x: f32,
    /// Position: y.
    pub y: f32,
    /// Position: z.
    pub z: f32,
    /// Facing.
    pub orientation: f32,
    /// Current health.
    pub health: u32,
    /// Current mana.
    pub mana: u32,
    /// Character level.
    pub level: u8,
    /// State flags, as the game defines them.
    pub flags: u32,
    /// Unix time in milliseconds of the last change.
    pub updated_at: i64,
}

/// The key of a `bot_state` row.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PbdbBotStateKey {
    /// The bot's id.
    pub bot_id: u32,
}

impl FfiEntity for BotState {
    type C = PbdbBotState;
    type CKey = PbdbBotStateKey;
    const C_NAME: &'static str = "PbdbBotState";

    unsafe fn from_c(c: &PbdbBotState) -> Outcome<BotState> {
        Ok(BotState {
            bot_id: c.bot_id,
            map_id: c.map_id,
            zone_id: c.zone_id,
            x: c.x,
            y: c.y,
            z: c.z,
            orientation: c.orientation,
            health: c.health,
            mana: c.mana,
            level: c.level,
            flags: c.flags,
            updated_at: c.updated_at,
        })
    }

    unsafe fn key_from_c(key: &PbdbBotStateKey) -> Outcome<u32> {
        Ok(key.bot_id)
    }

    fn to_c(&self) -> PbdbBotState {
        PbdbBotState {
            bot_id: self.bot_id,
            map_id: self.map_id,
            zone_id: self.zone_id,
            x: self.x,
            y: self.y,
            z: self.z,
            orientation: self.orientation,
            health: self.health,
            mana: self.mana,
            level: self.level,
            flags: self.flags,
            updated_at: self.updated_at,
        }
    }

    fn into_payload(rows: Vec<Option<BotState>>) -> Payload {
        Payload::BotState(rows)
    }

    fn rows_of(payload: &Payload) -> Option<&[Option<BotState>]> {
        match payload {
            Payload::BotState(rows) => Some(rows),
            _ => None,
        }
    }

    fn rows_mut(payload: &mut Payload) -> Option<&mut Vec<Option<BotState>>> {
        match payload {
            Payload::BotState(rows) => Some(rows),
            _ => None,
        }
    }
}

/// Saves `row` now (one upsert by its key). Blocks until the server answered: at most the
/// checkout timeout plus the statement timeout per attempt (`max_retries` attempts).
///
/// # Safety
/// `db` is NULL or a live handle; `row` is NULL or a readable `PbdbBotState`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_save(
    db: *const PbdbDb,
    row: *const PbdbBotState,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save::<BotState>(db, row) }
}

/// Accepts `row` for the write-behind queue and returns at once (flushed in bulk within the
/// interval; loads see it right away). Blocks only when the queue is full and the handle was
/// opened with `PBDB_WHEN_FULL_WAIT`, at most `write_behind_wait_ms`.
///
/// # Safety
/// As `pbdb_bot_state_save`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_save_deferred(
    db: *const PbdbDb,
    row: *const PbdbBotState,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_deferred::<BotState>(db, row) }
}

/// Deletes the row with `key` now; `PBDB_NOT_FOUND` when there was none. Blocks as a save.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbBotStateKey`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_delete(
    db: *const PbdbDb,
    key: *const PbdbBotStateKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete::<BotState>(db, key) }
}

/// Accepts a delete of `key` for the write-behind queue and returns at once.
///
/// # Safety
/// As `pbdb_bot_state_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_delete_deferred(
    db: *const PbdbDb,
    key: *const PbdbBotStateKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_deferred::<BotState>(db, key) }
}

/// Loads the row with `key` (from the cache when it holds it): `*out` is a result of one
/// row, or NULL with `PBDB_NOT_FOUND`. Blocks as a save when the row is not cached.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbBotStateKey`; `out`
/// points at a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_load(
    db: *const PbdbDb,
    key: *const PbdbBotStateKey,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load::<BotState>(db, key, out) }
}

/// As `pbdb_bot_state_load`, into `into`, a result the caller keeps for loads after loads (from
/// `pbdb_result_new` or any read): what it held is dropped (views into it are no longer
/// valid) and its storage reused, so a load the cache answers allocates nothing for the
/// result. On success it holds the one row; on failure, none.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbBotStateKey`; `into` is NULL
/// or a live result no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_load_into(
    db: *const PbdbDb,
    key: *const PbdbBotStateKey,
    into: *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_into::<BotState>(db, key, into) }
}

/// Loads `count` keys at once: `*out` has one place per key, in order, found or not.
///
/// # Safety
/// As `pbdb_bot_state_load`, with `keys` NULL (count 0) or `count` readable keys.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_load_many(
    db: *const PbdbDb,
    keys: *const PbdbBotStateKey,
    count: usize,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many::<BotState>(db, keys, count, out) }
}

/// Saves `count` rows in bulk, in one transaction (all or nothing).
///
/// # Safety
/// `db` is NULL or a live handle; `rows` is NULL (count 0) or `count` readable rows.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_save_all(
    db: *const PbdbDb,
    rows: *const PbdbBotState,
    count: usize,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_all::<BotState>(db, rows, count) }
}

/// Copies place `index` of `result` into `*out`; `PBDB_NOT_FOUND` for a key `load_many` did
/// not find.
///
/// # Safety
/// `result` is NULL or a live result; `out` points at a writable `PbdbBotState`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_get(
    result: *const PbdbResult,
    index: usize,
    out: *mut PbdbBotState,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::get::<BotState>(result, index, out) }
}

/// Submits a save of `row` and returns at once; `pbdb_poll` reports it under `token`.
///
/// # Safety
/// As `pbdb_bot_state_save` (`row` is copied before the call returns).
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_save_async(
    db: *const PbdbDb,
    row: *const PbdbBotState,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_async::<BotState>(db, row, token) }
}

/// Submits a delete of `key` and returns at once.
///
/// # Safety
/// As `pbdb_bot_state_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_delete_async(
    db: *const PbdbDb,
    key: *const PbdbBotStateKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_async::<BotState>(db, key, token) }
}

/// Submits a load of `key` and returns at once; its completion carries the result.
///
/// # Safety
/// As `pbdb_bot_state_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_load_async(
    db: *const PbdbDb,
    key: *const PbdbBotStateKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_async::<BotState>(db, key, token) }
}

/// Submits a load of `count` keys and returns at once.
///
/// # Safety
/// As `pbdb_bot_state_load_many`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_state_load_many_async(
    db: *const PbdbDb,
    keys: *const PbdbBotStateKey,
    count: usize,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many_async::<BotState>(db, keys, count, token) }
}
