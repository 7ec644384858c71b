//! `BotEvent` in C: a per-bot named event value that expires, keyed by bot and event name.

use playerbot_db::bots::BotEvent;
use playerbot_db::Lookup;

use crate::entity::{self, FfiEntity, PerBot};
use crate::error::Outcome;
use crate::handle::PbdbDb;
use crate::result::{Payload, PbdbResult};
use crate::status::PbdbStatus;
use crate::strings::PbdbStr;

/// One `bot_event` row (`playerbot_db::bots::BotEvent`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbBotEvent {
    /// The bot's id (key, partition key).
    pub bot_id: u32,
    /// The event's name (key; at most 64 characters).
    pub event: PbdbStr,
    /// The event's value.
    pub value: i64,
    /// Unix time in seconds after which the event no longer counts.
    pub expires_at: i64,
}

/// The key of a `bot_event` row.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbBotEventKey {
    /// The bot's id.
    pub bot_id: u32,
    /// The event's name.
    pub event: PbdbStr,
}

impl FfiEntity for BotEvent {
    type C = PbdbBotEvent;
    type CKey = PbdbBotEventKey;
    const C_NAME: &'static str = "PbdbBotEvent";

    unsafe fn from_c(c: &PbdbBotEvent) -> Outcome<BotEvent> {
        Ok(BotEvent {
            bot_id: c.bot_id,
            // SAFETY: the caller's promise about the struct's strings.
            event: unsafe { c.event.read_string("event") }?,
            value: c.value,
            expires_at: c.expires_at,
        })
    }

    unsafe fn key_from_c(key: &PbdbBotEventKey) -> Outcome<(u32, String)> {
        // SAFETY: the caller's promise about the struct's strings.
        Ok((key.bot_id, unsafe { key.event.read_string("event") }?))
    }

    fn to_c(&self) -> PbdbBotEvent {
        PbdbBotEvent {
            bot_id: self.bot_id,
            event: PbdbStr::of(&self.event),
            value: self.value,
            expires_at: self.expires_at,
        }
    }

    fn into_payload(rows: Vec<Option<BotEvent>>) -> Payload {
        Payload::BotEvent(rows)
    }

    fn rows_of(payload: &Payload) -> Option<&[Option<BotEvent>]> {
        match payload {
            Payload::BotEvent(rows) => Some(rows),
            _ => None,
        }
    }

    fn rows_mut(payload: &mut Payload) -> Option<&mut Vec<Option<BotEvent>>> {
        match payload {
            Payload::BotEvent(rows) => Some(rows),
            _ => None,
        }
    }
}

impl PerBot for BotEvent {
    fn by_bot(bot_id: u32) -> Lookup<BotEvent> {
        BotEvent::by_bot_id(bot_id)
    }
}

/// Saves `row` now (one upsert by its key). Blocks until the server answered: at most the
/// checkout timeout plus the statement timeout per attempt (`max_retries` attempts).
///
/// # Safety
/// `db` is NULL or a live handle; `row` is NULL or a readable `PbdbBotEvent` whose strings follow
/// `PbdbStr`'s input rules.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_save(
    db: *const PbdbDb,
    row: *const PbdbBotEvent,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save::<BotEvent>(db, row) }
}

/// Accepts `row` for the write-behind queue and returns at once (see
/// `pbdb_bot_state_save_deferred`).
///
/// # Safety
/// As `pbdb_bot_event_save`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_save_deferred(
    db: *const PbdbDb,
    row: *const PbdbBotEvent,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_deferred::<BotEvent>(db, row) }
}

/// Deletes the row with `key` now; `PBDB_NOT_FOUND` when there was none.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbBotEventKey`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_delete(
    db: *const PbdbDb,
    key: *const PbdbBotEventKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete::<BotEvent>(db, key) }
}

/// Accepts a delete of `key` for the write-behind queue and returns at once.
///
/// # Safety
/// As `pbdb_bot_event_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_delete_deferred(
    db: *const PbdbDb,
    key: *const PbdbBotEventKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_deferred::<BotEvent>(db, key) }
}

/// Loads the row with `key`: `*out` is a result of one row, or NULL with `PBDB_NOT_FOUND`.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbBotEventKey`; `out` points at a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_load(
    db: *const PbdbDb,
    key: *const PbdbBotEventKey,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load::<BotEvent>(db, key, out) }
}

/// As `pbdb_bot_event_load`, into `into`, a result the caller keeps for loads after loads (from
/// `pbdb_result_new` or any read): what it held is dropped (views into it are no longer
/// valid) and its storage reused, so a load the cache answers allocates nothing for the
/// result. On success it holds the one row; on failure, none.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbBotEventKey`; `into` is NULL
/// or a live result no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_load_into(
    db: *const PbdbDb,
    key: *const PbdbBotEventKey,
    into: *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_into::<BotEvent>(db, key, into) }
}

/// Loads `count` keys at once: `*out` has one place per key, in order, found or not.
///
/// # Safety
/// As `pbdb_bot_event_load`, with `keys` NULL (count 0) or `count` readable keys.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_load_many(
    db: *const PbdbDb,
    keys: *const PbdbBotEventKey,
    count: usize,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many::<BotEvent>(db, keys, count, out) }
}

/// Saves `count` rows in bulk, in one transaction (all or nothing).
///
/// # Safety
/// `db` is NULL or a live handle; `rows` is NULL (count 0) or `count` readable rows.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_save_all(
    db: *const PbdbDb,
    rows: *const PbdbBotEvent,
    count: usize,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_all::<BotEvent>(db, rows, count) }
}

/// Copies place `index` of `result` into `*out` (its strings point into `result`);
/// `PBDB_NOT_FOUND` for a key `load_many` did not find.
///
/// # Safety
/// `result` is NULL or a live result; `out` points at a writable `PbdbBotEvent`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_get(
    result: *const PbdbResult,
    index: usize,
    out: *mut PbdbBotEvent,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::get::<BotEvent>(result, index, out) }
}

/// Submits a save of `row` and returns at once; `pbdb_poll` reports it under `token`.
///
/// # Safety
/// As `pbdb_bot_event_save` (`row` is copied before the call returns).
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_save_async(
    db: *const PbdbDb,
    row: *const PbdbBotEvent,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_async::<BotEvent>(db, row, token) }
}

/// Submits a delete of `key` and returns at once.
///
/// # Safety
/// As `pbdb_bot_event_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_delete_async(
    db: *const PbdbDb,
    key: *const PbdbBotEventKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_async::<BotEvent>(db, key, token) }
}

/// Submits a load of `key` and returns at once; its completion carries the result.
///
/// # Safety
/// As `pbdb_bot_event_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_load_async(
    db: *const PbdbDb,
    key: *const PbdbBotEventKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_async::<BotEvent>(db, key, token) }
}

/// Submits a load of `count` keys and returns at once.
///
/// # Safety
/// As `pbdb_bot_event_load_many`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_load_many_async(
    db: *const PbdbDb,
    keys: *const PbdbBotEventKey,
    count: usize,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many_async::<BotEvent>(db, keys, count, token) }
}

/// Loads every row of bot `bot_id`, in key order (one partition read): `*out` holds them,
/// perhaps none.
///
/// # Safety
/// `db` is NULL or a live handle; `out` points at a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_load_by_bot(
    db: *const PbdbDb,
    bot_id: u32,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_by_bot::<BotEvent>(db, bot_id, out) }
}

/// Submits a load of every row of bot `bot_id` and returns at once.
///
/// # Safety
/// `db` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_event_load_by_bot_async(
    db: *const PbdbDb,
    bot_id: u32,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_by_bot_async::<BotEvent>(db, bot_id, token) }
}
