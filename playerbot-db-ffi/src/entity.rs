//! Every per-entity call, written once over [`FfiEntity`]; each entity's file gives its C
//! struct, its conversions and the exported one-line wrappers (cbindgen reads only items
//! written out in the source, so those stay literal).

use playerbot_db::{BotEntity, Lookup};

use crate::completion;
use crate::error::{entry, Failure, Outcome};
use crate::handle::{open_of, PbdbDb};
use crate::result::{result_of, row_at, Payload, PbdbResult};
use crate::status::{PbdbStatus, PBDB_NOT_FOUND};
use crate::strings;

/// An entity of the built-in schema as the C side sees it.
pub(crate) trait FfiEntity: BotEntity + Clone + Send + Sync + 'static {
    /// Its `#[repr(C)]` struct.
    type C: Copy;
    /// Its key's `#[repr(C)]` struct.
    type CKey: Copy;
    /// The C struct's name, for messages.
    const C_NAME: &'static str;

    /// The entity from the caller's struct (strings copied, numbers checked).
    ///
    /// # Safety
    /// Its pointers follow [`PbdbStr`](crate::PbdbStr)'s input rules.
    unsafe fn from_c(row: &Self::C) -> Outcome<Self>;

    /// The key from the caller's key struct.
    ///
    /// # Safety
    /// As [`from_c`](Self::from_c).
    unsafe fn key_from_c(key: &Self::CKey) -> Outcome<Self::Key>;

    /// A view of `self` whose strings point into it.
    fn to_c(&self) -> Self::C;

    fn into_payload(rows: Vec<Option<Self>>) -> Payload;

    /// The rows, when `payload` holds this entity.
    fn rows_of(payload: &Payload) -> Option<&[Option<Self>]>;

    /// The same, to refill.
    fn rows_mut(payload: &mut Payload) -> Option<&mut Vec<Option<Self>>>;
}

/// An entity keyed by a bot and something more: its `load_by` on one bot's rows.
pub(crate) trait PerBot: FfiEntity {
    fn by_bot(bot_id: u32) -> Lookup<Self>;
}

unsafe fn row_in<E: FfiEntity>(row: *const E::C) -> Outcome<E> {
    // SAFETY: `row` is NULL or a live E::C by the caller's promise.
    let row = unsafe { strings::read(row, "row") }?;
    // SAFETY: its pointers follow the input rules by the same promise.
    unsafe { E::from_c(row) }
}

unsafe fn key_in<E: FfiEntity>(key: *const E::CKey) -> Outcome<E::Key> {
    // SAFETY: as in row_in.
    let key = unsafe { strings::read(key, "key") }?;
    // SAFETY: as in row_in.
    unsafe { E::key_from_c(key) }
}

unsafe fn rows_in<E: FfiEntity>(rows: *const E::C, count: usize) -> Outcome<Vec<E>> {
    // SAFETY: `rows` is NULL or `count` live E::C's by the caller's promise.
    let rows = unsafe { strings::slice(rows, count, "rows") }?;
    // SAFETY: their pointers follow the input rules by the same promise.
    rows.iter().map(|row| unsafe { E::from_c(row) }).collect()
}

unsafe fn keys_in<E: FfiEntity>(keys: *const E::CKey, count: usize) -> Outcome<Vec<E::Key>> {
    // SAFETY: as in rows_in.
    let keys = unsafe { strings::slice(keys, count, "keys") }?;
    // SAFETY: as in rows_in.
    keys.iter()
        .map(|key| unsafe { E::key_from_c(key) })
        .collect()
}

fn not_found<E: BotEntity>() -> Failure {
    Failure::new(
        PBDB_NOT_FOUND,
        format!("no {} row has that key", E::META.entity),
    )
}

fn rows_result<E: FfiEntity>(rows: Vec<Option<E>>) -> Box<PbdbResult> {
    PbdbResult::boxed(E::into_payload(rows))
}

/// Writes a read's result to the caller's `out` (NULL first, so a failure leaves NULL).
unsafe fn give(out: *mut *mut PbdbResult, result: Box<PbdbResult>) -> Outcome {
    // SAFETY: `out` was checked non-null by the caller of give, and is writable by the
    // C caller's promise.
    unsafe { strings::write(out, Box::into_raw(result), "out") }
}

/// `result`'s rows, emptied with their storage kept: what lets a result the caller reuses
/// take a load without allocating. A result of another entity's rows (or of text) is made
/// one of `E`'s first.
fn refill<E: FfiEntity>(result: &mut PbdbResult) -> &mut Vec<Option<E>> {
    if E::rows_mut(&mut result.payload).is_none() {
        result.payload = E::into_payload(Vec::new());
    }
    let rows = E::rows_mut(&mut result.payload).expect("the payload was just made E's");
    rows.clear();
    rows
}

/// Sets `*out` to NULL, failing when it cannot be written, before a read starts.
unsafe fn clear(out: *mut *mut PbdbResult) -> Outcome {
    // SAFETY: NULL is refused; writable otherwise by the C caller's promise.
    unsafe { strings::write(out, std::ptr::null_mut(), "out") }
}

// The blocking calls. Each checks every pointer before it starts any work.

pub(crate) unsafe fn save<E: FfiEntity>(db: *const PbdbDb, row: *const E::C) -> PbdbStatus {
    entry(|| {
        // SAFETY: `db`, `row`, `key`, `keys`, `rows` and `out`
        // follow the exported function's `# Safety` section, which its caller keeps.
        let row = unsafe { row_in::<E>(row) }?;
        // SAFETY: see above.
        let open = unsafe { open_of(db) }?;
        Ok(open.block_on(open.db().save(&row))?)
    })
}

pub(crate) unsafe fn save_deferred<E: FfiEntity>(
    db: *const PbdbDb,
    row: *const E::C,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let row = unsafe { row_in::<E>(row) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        Ok(open.block_on(open.db().save_deferred(&row))?)
    })
}

pub(crate) unsafe fn delete<E: FfiEntity>(db: *const PbdbDb, key: *const E::CKey) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let key = unsafe { key_in::<E>(key) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        match open.block_on(open.db().delete::<E>(&key))? {
            true => Ok(()),
            false => Err(not_found::<E>()),
        }
    })
}

pub(crate) unsafe fn delete_deferred<E: FfiEntity>(
    db: *const PbdbDb,
    key: *const E::CKey,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let key = unsafe { key_in::<E>(key) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        Ok(open.block_on(open.db().delete_deferred::<E>(&key))?)
    })
}

pub(crate) unsafe fn load<E: FfiEntity>(
    db: *const PbdbDb,
    key: *const E::CKey,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        unsafe { clear(out) }?;
        // SAFETY: see `save`.
        let key = unsafe { key_in::<E>(key) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        let row = open
            .block_on(open.db().load::<E>(&key))?
            .ok_or_else(not_found::<E>)?;
        // SAFETY: see `save`.
        unsafe { give(out, rows_result(vec![Some(row)])) }
    })
}

pub(crate) unsafe fn load_into<E: FfiEntity>(
    db: *const PbdbDb,
    key: *const E::CKey,
    into: *mut PbdbResult,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let rows = refill::<E>(unsafe { strings::read_mut(into, "into") }?);
        // SAFETY: see `save`.
        let key = unsafe { key_in::<E>(key) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        let row = open
            .block_on(open.db().load::<E>(&key))?
            .ok_or_else(not_found::<E>)?;
        rows.push(Some(row));
        Ok(())
    })
}

pub(crate) unsafe fn load_many<E: FfiEntity>(
    db: *const PbdbDb,
    keys: *const E::CKey,
    count: usize,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        unsafe { clear(out) }?;
        // SAFETY: see `save`.
        let keys = unsafe { keys_in::<E>(keys, count) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        let rows = open.block_on(open.db().load_many::<E>(&keys))?;
        // SAFETY: see `save`.
        unsafe { give(out, rows_result(rows)) }
    })
}

pub(crate) unsafe fn load_by_bot<E: PerBot>(
    db: *const PbdbDb,
    bot_id: u32,
    out: *mut *mut PbdbResult,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        unsafe { clear(out) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        let rows = open.block_on(open.db().load_by(&E::by_bot(bot_id)))?;
        // SAFETY: see `save`.
        unsafe { give(out, rows_result(rows.into_iter().map(Some).collect())) }
    })
}

pub(crate) unsafe fn save_all<E: FfiEntity>(
    db: *const PbdbDb,
    rows: *const E::C,
    count: usize,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let rows = unsafe { rows_in::<E>(rows, count) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        open.block_on(open.db().save_all(&rows))?;
        Ok(())
    })
}

/// Place `index` of a result holding `E` rows, into the caller's `out` (its strings point
/// into the result).
pub(crate) unsafe fn get<E: FfiEntity>(
    result: *const PbdbResult,
    index: usize,
    out: *mut E::C,
) -> PbdbStatus {
    entry(|| {
        strings::require_out(out, "out")?;
        // SAFETY: `result` is NULL or live by the exported function's promise.
        let result = unsafe { result_of(result) }?;
        let rows = E::rows_of(&result.payload).ok_or_else(|| {
            Failure::argument(format!("the result does not hold {} rows", E::C_NAME))
        })?;
        let row = row_at(rows, index)?.to_c();
        // SAFETY: checked non-null; writable by the exported function's promise.
        unsafe { strings::write(out, row, "out") }
    })
}

// The asynchronous calls: the inputs are copied before they return, so the caller's memory
// is free again at once; the result comes back through `pbdb_poll`.

pub(crate) unsafe fn save_async<E: FfiEntity>(
    db: *const PbdbDb,
    row: *const E::C,
    token: u64,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let row = unsafe { row_in::<E>(row) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        let db = open.db().clone();
        completion::submit(&open, token, async move {
            db.save(&row).await?;
            Ok(None)
        })
    })
}

pub(crate) unsafe fn delete_async<E: FfiEntity>(
    db: *const PbdbDb,
    key: *const E::CKey,
    token: u64,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let key = unsafe { key_in::<E>(key) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        let db = open.db().clone();
        completion::submit(&open, token, async move {
            match db.delete::<E>(&key).await? {
                true => Ok(None),
                false => Err(not_found::<E>()),
            }
        })
    })
}

pub(crate) unsafe fn load_async<E: FfiEntity>(
    db: *const PbdbDb,
    key: *const E::CKey,
    token: u64,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let key = unsafe { key_in::<E>(key) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        let db = open.db().clone();
        completion::submit(&open, token, async move {
            let row = db.load::<E>(&key).await?.ok_or_else(not_found::<E>)?;
            Ok(Some(rows_result(vec![Some(row)])))
        })
    })
}

pub(crate) unsafe fn load_many_async<E: FfiEntity>(
    db: *const PbdbDb,
    keys: *const E::CKey,
    count: usize,
    token: u64,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let keys = unsafe { keys_in::<E>(keys, count) }?;
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        let db = open.db().clone();
        completion::submit(&open, token, async move {
            let rows = db.load_many::<E>(&keys).await?;
            Ok(Some(rows_result(rows)))
        })
    })
}

pub(crate) unsafe fn load_by_bot_async<E: PerBot>(
    db: *const PbdbDb,
    bot_id: u32,
    token: u64,
) -> PbdbStatus {
    entry(|| {
        // SAFETY: see `save`.
        let open = unsafe { open_of(db) }?;
        let db = open.db().clone();
        completion::submit(&open, token, async move {
            let rows = db.load_by(&E::by_bot(bot_id)).await?;
            Ok(Some(rows_result(rows.into_iter().map(Some).collect())))
        })
    })
}
