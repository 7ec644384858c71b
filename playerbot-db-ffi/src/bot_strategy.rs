//! `BotStrategy` in C: a bot's active strategies for one AI engine, as the comma-separated
//! list the AI parses.

use playerbot_db::bots::{BotStrategy, StrategyEngine};
use playerbot_db::{BotEnum, Lookup};

use crate::entity::{self, FfiEntity, PerBot};
use crate::error::{Failure, Outcome};
use crate::handle::PbdbDb;
use crate::result::{Payload, PbdbResult};
use crate::status::PbdbStatus;
use crate::strings::PbdbStr;

/// `PbdbBotStrategy.engine`: in combat.
pub const PBDB_ENGINE_COMBAT: u8 = 0;
/// Out of combat.
pub const PBDB_ENGINE_NON_COMBAT: u8 = 1;
/// While dead.
pub const PBDB_ENGINE_DEAD: u8 = 2;
/// Reactions to events.
pub const PBDB_ENGINE_REACTION: u8 = 3;

/// One `bot_strategy` row (`playerbot_db::bots::BotStrategy`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbBotStrategy {
    /// The bot's id (key).
    pub bot_id: u32,
    /// The engine, a `PBDB_ENGINE_…` number (key).
    pub engine: u8,
    /// The comma-separated strategy names (at most 1,024 characters).
    pub strategies: PbdbStr,
}

/// The key of a `bot_strategy` row.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbBotStrategyKey {
    /// The bot's id.
    pub bot_id: u32,
    /// The engine, a `PBDB_ENGINE_…` number.
    pub engine: u8,
}

fn engine(number: u8) -> Outcome<StrategyEngine> {
    StrategyEngine::from_repr(number).ok_or_else(|| {
        Failure::argument(format!(
            "engine {number} is no PBDB_ENGINE_… number (0 to 3)"
        ))
    })
}

impl FfiEntity for BotStrategy {
    type C = PbdbBotStrategy;
    type CKey = PbdbBotStrategyKey;
    const C_NAME: &'static str = "PbdbBotStrategy";

    unsafe fn from_c(c: &PbdbBotStrategy) -> Outcome<BotStrategy> {
        Ok(BotStrategy {
            bot_id: c.bot_id,
            engine: engine(c.engine)?,
            // SAFETY: the caller's promise about the struct's strings.
            strategies: unsafe { c.strategies.read_string("strategies") }?,
        })
    }

    unsafe fn key_from_c(key: &PbdbBotStrategyKey) -> Outcome<(u32, StrategyEngine)> {
        Ok((key.bot_id, engine(key.engine)?))
    }

    fn to_c(&self) -> PbdbBotStrategy {
        PbdbBotStrategy {
            bot_id: self.bot_id,
            engine: self.engine.to_repr(),
            strategies: PbdbStr::of(&self.strategies),
        }
    }

    fn into_payload(rows: Vec<Option<BotStrategy>>) -> Payload {
        Payload::BotStrategy(rows)
    }

    fn rows_of(payload: &Payload) -> Option<&[Option<BotStrategy>]> {
        match payload {
            Payload::BotStrategy(rows) => Some(rows),
            _ => None,
        }
    }

    fn rows_mut(payload: &mut Payload) -> Option<&mut Vec<Option<BotStrategy>>> {
        match payload {
            Payload::BotStrategy(rows) => Some(rows),
            _ => None,
        }
    }
}

impl PerBot for BotStrategy {
    fn by_bot(bot_id: u32) -> Lookup<BotStrategy> {
        BotStrategy::by_bot_id(bot_id)
    }
}

/// Saves `row` now (one upsert by its key). Blocks until the server answered: at most the
/// checkout timeout plus the statement timeout per attempt (`max_retries` attempts).
///
/// # Safety
/// `db` is NULL or a live handle; `row` is NULL or a readable `PbdbBotStrategy` whose strings follow
/// `PbdbStr`'s input rules.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_save(
    db: *const PbdbDb,
    row: *const PbdbBotStrategy,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save::<BotStrategy>(db, row) }
}

/// Accepts `row` for the write-behind queue and returns at once (see
/// `pbdb_bot_state_save_deferred`).
///
/// # Safety
/// As `pbdb_bot_strategy_save`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_save_deferred(
    db: *const PbdbDb,
    row: *const PbdbBotStrategy,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_deferred::<BotStrategy>(db, row) }
}

/// Deletes the row with `key` now; `PBDB_NOT_FOUND` when there was none.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbBotStrategyKey`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_delete(
    db: *const PbdbDb,
    key: *const PbdbBotStrategyKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete::<BotStrategy>(db, key) }
}

/// Accepts a delete of `key` for the write-behind queue and returns at once.
///
/// # Safety
/// As `pbdb_bot_strategy_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_delete_deferred(
    db: *const PbdbDb,
    key: *const PbdbBotStrategyKey,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_deferred::<BotStrategy>(db, key) }
}

/// Loads the row with `key`: `*out` is a result of one row, or NULL with `PBDB_NOT_FOUND`.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbBotStrategyKey`; `out` points at a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_load(
    db: *const PbdbDb,
    key: *const PbdbBotStrategyKey,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load::<BotStrategy>(db, key, out) }
}

/// As `pbdb_bot_strategy_load`, into `into`, a result the caller keeps for loads after loads (from
/// `pbdb_result_new` or any read): what it held is dropped (views into it are no longer
/// valid) and its storage reused, so a load the cache answers allocates nothing for the
/// result. On success it holds the one row; on failure, none.
///
/// # Safety
/// `db` is NULL or a live handle; `key` is NULL or a readable `PbdbBotStrategyKey`; `into` is NULL
/// or a live result no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_load_into(
    db: *const PbdbDb,
    key: *const PbdbBotStrategyKey,
    into: *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_into::<BotStrategy>(db, key, into) }
}

/// Loads `count` keys at once: `*out` has one place per key, in order, found or not.
///
/// # Safety
/// As `pbdb_bot_strategy_load`, with `keys` NULL (count 0) or `count` readable keys.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_load_many(
    db: *const PbdbDb,
    keys: *const PbdbBotStrategyKey,
    count: usize,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many::<BotStrategy>(db, keys, count, out) }
}

/// Saves `count` rows in bulk, in one transaction (all or nothing).
///
/// # Safety
/// `db` is NULL or a live handle; `rows` is NULL (count 0) or `count` readable rows.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_save_all(
    db: *const PbdbDb,
    rows: *const PbdbBotStrategy,
    count: usize,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_all::<BotStrategy>(db, rows, count) }
}

/// Copies place `index` of `result` into `*out` (its strings point into `result`);
/// `PBDB_NOT_FOUND` for a key `load_many` did not find.
///
/// # Safety
/// `result` is NULL or a live result; `out` points at a writable `PbdbBotStrategy`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_get(
    result: *const PbdbResult,
    index: usize,
    out: *mut PbdbBotStrategy,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::get::<BotStrategy>(result, index, out) }
}

/// Submits a save of `row` and returns at once; `pbdb_poll` reports it under `token`.
///
/// # Safety
/// As `pbdb_bot_strategy_save` (`row` is copied before the call returns).
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_save_async(
    db: *const PbdbDb,
    row: *const PbdbBotStrategy,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::save_async::<BotStrategy>(db, row, token) }
}

/// Submits a delete of `key` and returns at once.
///
/// # Safety
/// As `pbdb_bot_strategy_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_delete_async(
    db: *const PbdbDb,
    key: *const PbdbBotStrategyKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::delete_async::<BotStrategy>(db, key, token) }
}

/// Submits a load of `key` and returns at once; its completion carries the result.
///
/// # Safety
/// As `pbdb_bot_strategy_delete`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_load_async(
    db: *const PbdbDb,
    key: *const PbdbBotStrategyKey,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_async::<BotStrategy>(db, key, token) }
}

/// Submits a load of `count` keys and returns at once.
///
/// # Safety
/// As `pbdb_bot_strategy_load_many`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_load_many_async(
    db: *const PbdbDb,
    keys: *const PbdbBotStrategyKey,
    count: usize,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_many_async::<BotStrategy>(db, keys, count, token) }
}

/// Loads every row of bot `bot_id`, in key order (one partition read): `*out` holds them,
/// perhaps none.
///
/// # Safety
/// `db` is NULL or a live handle; `out` points at a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_load_by_bot(
    db: *const PbdbDb,
    bot_id: u32,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_by_bot::<BotStrategy>(db, bot_id, out) }
}

/// Submits a load of every row of bot `bot_id` and returns at once.
///
/// # Safety
/// `db` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbdb_bot_strategy_load_by_bot_async(
    db: *const PbdbDb,
    bot_id: u32,
    token: u64,
) -> PbdbStatus {
    // SAFETY: the caller keeps this function's `# Safety` section.
    unsafe { entity::load_by_bot_async::<BotStrategy>(db, bot_id, token) }
}
