//! Saving many rows in few statements: `save_all` and the [`BulkSave`] builder.
//!
//! Duplicate keys in one call collapse to the last row given. Rows are ordered by
//! partition so every statement touches one partition. On MariaDB the rows go through
//! COM_STMT_BULK_EXECUTE (`exec_batch`: one prepared single-row statement, one round trip per
//! packet); on MySQL, which has no bulk execute, through multi-row statements of a few fixed
//! sizes, within the 65,535-placeholder limit and the server's `max_allowed_packet`.

mod plan;

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row, Value};
use std::collections::HashMap;
use std::sync::Arc;

use super::transaction::{begin_on, commit_on, roll_back};
use super::{validate, with_retry};
use crate::error::{server_row, Context};
use crate::live_table::{LiveTable, UpsertGuard};
use crate::pool::{statement, ServerConn};
use crate::statements::guard_for;
pub use crate::statements::Conflict;
use crate::unset::{unset_columns, without_unset};
use crate::{BotEntity, Column, Db, Error};
pub(crate) use plan::ordered_parts;
use plan::Chunk;

/// How rows reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkMode {
    /// Bulk execute on MariaDB, multi-row statements on MySQL.
    Auto,
    /// COM_STMT_BULK_EXECUTE (MariaDB only; elsewhere the driver runs one round trip per row).
    BulkExecute,
    /// Multi-row `INSERT … VALUES (…), (…)` statements.
    MultiRow,
}

/// How much one transaction covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Atomicity {
    /// One transaction for the whole call: all rows or none.
    WholeCall,
    /// One transaction per chunk: a failure after the first chunk leaves the earlier chunks
    /// saved and says so ([`Error::PartlySaved`]: rows are written in partition, then key
    /// order, so the saved ones are the first `saved_rows` of that order).
    PerChunk,
}

/// What a bulk save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkReport {
    /// Distinct rows sent.
    pub rows: usize,
    /// Rows dropped because a later row in the same call had the same key.
    pub duplicates: usize,
    /// Statements (multi-row) or bulk-execute calls made.
    pub chunks: usize,
    /// How the rows were sent (bulk execute or multi-row statements).
    pub mode: BulkMode,
    /// For new rows of an `auto_increment` entity (key 0, each written as a row of its own):
    /// the ids the server gave them, in the order given. `None` when the call had none, or
    /// when the ids cannot be known for sure: bulk execute does not report them, and under
    /// `innodb_autoinc_lock_mode` 2 one statement's ids need not be consecutive.
    pub new_ids: Option<Vec<u64>>,
}

/// Options for one bulk save; start with [`Db::bulk`].
#[derive(Debug)]
#[must_use = "nothing is saved until `save` is called"]
pub struct BulkSave<'db, E> {
    db: &'db Db,
    only: Option<Vec<usize>>,
    conflict: Conflict,
    scope: Atomicity,
    mode: BulkMode,
    partial: bool,
    /// The flusher's own save: it must not wait for (supersede) the queue's writes.
    from_queue: bool,
    entity: std::marker::PhantomData<fn() -> E>,
}

/// Unique values looked up in one statement when naming the row of a unique conflict.
const PROBE_VALUES: usize = 10_000;

/// The most rows one call accepts; more is almost certainly a mistake in the caller.
pub const MAX_ROWS_PER_CALL: usize = 1_000_000;

impl Db {
    /// Saves all `rows` (upsert), in one transaction.
    pub async fn save_all<E: BotEntity>(&self, rows: &[E]) -> Result<BulkReport, Error> {
        self.bulk::<E>().save(rows).await
    }

    /// A bulk save with options: which columns to update, conflict policy, transaction scope.
    pub fn bulk<E: BotEntity>(&self) -> BulkSave<'_, E> {
        BulkSave {
            db: self,
            only: None,
            conflict: Conflict::Update,
            scope: Atomicity::WholeCall,
            mode: BulkMode::Auto,
            partial: false,
            from_queue: false,
            entity: std::marker::PhantomData,
        }
    }
}

impl<E: BotEntity> BulkSave<'_, E> {
    /// On conflict update only these columns (new rows are still inserted whole); key
    /// columns cannot be updated and are ignored here.
    pub fn update_only(mut self, columns: &[Column<E>]) -> Self {
        let mut only: Vec<usize> = columns
            .iter()
            .map(Column::index)
            .filter(|&i| !E::META.columns[i].key)
            .collect();
        only.sort_unstable();
        only.dedup();
        self.only = Some(only);
        self
    }

    /// What an existing row of the same key gets: updated (default) or kept.
    pub fn on_conflict(mut self, conflict: Conflict) -> Self {
        self.conflict = conflict;
        self
    }

    /// One transaction for the whole call (default, all or nothing) or one per chunk.
    pub fn atomicity(mut self, scope: Atomicity) -> Self {
        self.scope = scope;
        self
    }

    /// How rows are sent: `Auto` picks bulk execute on MariaDB, multi-row statements elsewhere.
    pub fn mode(mut self, mode: BulkMode) -> Self {
        self.mode = mode;
        self
    }

    /// Allows a save to a table whose engine cannot roll back (MyISAM, Aria, MEMORY, …),
    /// which is refused by default with [`Error::NotTransactional`]: such a save cannot be all
    /// or nothing. A failure then is [`Error::PartlySaved`] with exactly the rows written —
    /// the first `saved_rows` in partition, then key order (the failing chunk is run again
    /// row by row to find where it stopped; upserts of the same values change nothing).
    pub fn allow_partial_writes(mut self, allow: bool) -> Self {
        self.partial = allow;
        self
    }

    /// A save by the write-behind flusher, of rows the queue holds.
    pub(crate) fn for_flusher(mut self) -> Self {
        self.from_queue = true;
        // Rows of a table that cannot roll back are written as they can be; each row keeps
        // its place in the queue until written.
        self.partial = true;
        self
    }

    /// Saves `rows` (at most [`MAX_ROWS_PER_CALL`]); a later row of the same key wins.
    pub async fn save(self, rows: &[E]) -> Result<BulkReport, Error> {
        let plan = self.db.registry().plan::<E>()?;
        // A direct save supersedes deferred writes of its keys.
        if let (false, Some(queue)) = (self.from_queue, self.db.behind().queue::<E>()) {
            let seq = self.db.behind().last_seq();
            for row in rows {
                queue.supersede(&row.key(), seq).await;
            }
        }
        let Some(cache) = plan.cache::<E>() else {
            return self.write(rows).await;
        };
        // Memory takes each saved row once the call is through — all of it when the row
        // replaced the stored one, else (conflicts ignored, some columns updated, columns
        // left to the server) the key is dropped; a failed or cancelled call drops them all.
        let whole_rows = self.conflict == Conflict::Update && self.only.is_none();
        let mut last: HashMap<E::Key, &E> = HashMap::with_capacity(rows.len());
        for row in rows {
            if !row.is_new() {
                last.insert(row.key(), row);
            }
        }
        let pending = cache.begin_writes(last.keys().cloned().collect());
        let report = match self.write(rows).await {
            Ok(report) => report,
            Err(err) => {
                pending.fail(&err);
                return Err(err);
            }
        };
        let has_unset = E::META.columns.iter().any(|c| c.unset_when_null);
        pending.finish(|key| {
            let row = *last.get(key)?;
            let whole = whole_rows && (!has_unset || unset_columns(E::META, &row.to_params()) == 0);
            whole.then_some(row)
        });
        Ok(report)
    }

    async fn write(&self, rows: &[E]) -> Result<BulkReport, Error> {
        let meta = E::META;
        self.db.registry().plan::<E>()?;
        if rows.len() > MAX_ROWS_PER_CALL {
            return Err(Error::TooLarge {
                what: "rows in one bulk save",
                count: rows.len(),
                limit: MAX_ROWS_PER_CALL,
            });
        }
        if self.only.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::EmptyUpdate {
                entity: meta.entity,
            });
        }
        let entity_plan = self.db.registry().plan::<E>()?;
        let (order, duplicates, new_rows) = plan::order_rows(rows, entity_plan.exact_keys());
        let key_of = |position: usize| format!("{:?}", rows[order[position]].key());
        // Params are checked and measured here, then built again when sent: building is
        // several times cheaper than keeping and cloning them.
        let mut row_sizes = Vec::with_capacity(order.len());
        let live = entity_plan.live();
        for (position, &index) in order.iter().enumerate() {
            let params = rows[index].to_params();
            validate::check_row(meta, live.as_deref(), &params, || key_of(position))?;
            row_sizes.push(plan::row_bytes(&params));
        }
        if order.is_empty() {
            return Ok(BulkReport {
                rows: 0,
                duplicates,
                chunks: 0,
                mode: self.mode,
                new_ids: None,
            });
        }
        let groups = plan::partition_groups(rows, &order);
        let mut job = Job {
            save: self,
            rows,
            order: &order,
            row_sizes: &row_sizes,
            groups: &groups,
            key_of: &key_of,
            new_rows: new_rows > 0,
            new_ids: std::sync::Mutex::new(Vec::new()),
            live: None,
            guard: UpsertGuard::Generated,
        };
        // New rows are numbered by the server: running them twice would add rows twice, so a
        // call with new rows is not run again after a lost connection (its outcome unknown).
        let idempotent = new_rows == 0;

        // The connection decides the dialect, the packet size and so the chunks; the table's
        // engine whether all or nothing can hold.
        let (mode, chunks, non_atomic) = {
            // Not `Db::conn`: no raw access here, so none of its extra ping.
            let mut conn = self.db.lease().await?;
            // New rows go in multi-row statements, whose first generated id the server
            // reports; bulk execute reports none.
            let mode = match (self.mode, conn.flavor().is_mariadb()) {
                (BulkMode::Auto, true) if new_rows == 0 => BulkMode::BulkExecute,
                (BulkMode::Auto, _) => BulkMode::MultiRow,
                (mode, _) => mode,
            };
            // Read once per Db: the engine of a table does not change under a game.
            let plan = self.db.registry().plan::<E>()?;
            let context = || Context {
                entity: Some(meta.entity),
                statement: Some("table engine"),
                ..Context::default()
            };
            let live = statement!(conn.server(), context, |c| plan.learn_live_table(c))?;
            job.guard = guard_for(meta, live.as_deref(), true)?;
            let engine = live
                .as_deref()
                .and_then(|live| live.non_transactional_engine().map(str::to_owned));
            job.live = live;
            if let Some(engine) = &engine {
                if !self.partial {
                    return Err(Error::NotTransactional {
                        entity: meta.entity,
                        table: meta.table,
                        engine: engine.clone(),
                    });
                }
            }
            (
                mode,
                job.chunks(mode, conn.max_allowed_packet())?,
                engine.is_some(),
            )
        };
        if non_atomic {
            job.run_non_atomic(mode, &chunks).await?;
            return Ok(BulkReport {
                rows: order.len(),
                duplicates,
                chunks: chunks.len(),
                mode,
                new_ids: job.new_ids(new_rows),
            });
        }
        match self.scope {
            Atomicity::WholeCall => {
                with_retry!(self.db, idempotent, |conn| job
                    .run(conn, mode, &chunks, 0, chunks.len())
                    .await)?;
            }
            Atomicity::PerChunk => {
                let mut saved_rows = 0;
                for (i, chunk) in chunks.iter().enumerate() {
                    let one = std::slice::from_ref(chunk);
                    let done = with_retry!(self.db, idempotent, |conn| job
                        .run(conn, mode, one, i, chunks.len())
                        .await);
                    if let Err(err) = done {
                        return Err(if i == 0 {
                            err
                        } else {
                            Error::PartlySaved {
                                saved_chunks: i,
                                chunks: chunks.len(),
                                saved_rows,
                                source: Box::new(err),
                            }
                        });
                    }
                    saved_rows += chunk.range.len();
                }
            }
        }
        Ok(BulkReport {
            rows: order.len(),
            duplicates,
            chunks: chunks.len(),
            mode,
            new_ids: job.new_ids(new_rows),
        })
    }
}

/// One call's prepared work.
struct Job<'a, E, K> {
    save: &'a BulkSave<'a, E>,
    rows: &'a [E],
    /// Positions into `rows`, deduplicated and ordered by partition.
    order: &'a [usize],
    /// Estimated bytes of each ordered row's params.
    row_sizes: &'a [usize],
    groups: &'a [std::ops::Range<usize>],
    key_of: &'a K,
    /// Whether the call has new rows of an `auto_increment` entity (key 0).
    new_rows: bool,
    /// Per statement with new rows: its first ordered position, and `(first id, count)` of
    /// the ids it generated when they are known.
    new_ids: std::sync::Mutex<Vec<NumberedStatement>>,
    /// The live table, as read for this call.
    live: Option<Arc<LiveTable>>,
    /// The guard its upserts need.
    guard: UpsertGuard,
}

/// A statement with new rows: its first ordered position, and `(first id, count)` of the ids
/// it generated when they are known.
type NumberedStatement = (usize, Option<(u64, usize)>);

impl<E: BotEntity, K: Fn(usize) -> String> Job<'_, E, K> {
    fn chunks(&self, mode: BulkMode, max_allowed_packet: usize) -> Result<Vec<Chunk>, Error> {
        let columns = E::META.columns.len();
        let mut chunks = Vec::new();
        for group in self.groups {
            let planned = match mode {
                BulkMode::MultiRow => plan::multi_row_chunks(
                    group.clone(),
                    self.row_sizes,
                    columns,
                    max_allowed_packet,
                    self.new_rows,
                ),
                _ => plan::bulk_chunks(group.clone(), self.row_sizes, max_allowed_packet),
            };
            let planned = planned.map_err(|position| Error::RowTooLarge {
                entity: E::META.entity,
                key: (self.key_of)(position),
                bytes: self.row_sizes[position],
                max_allowed_packet,
            })?;
            chunks.extend(planned);
        }
        Ok(chunks)
    }

    /// Runs `chunks` (numbered from `first`, of `total`) in one transaction on `conn`.
    async fn run(
        &self,
        conn: &mut ServerConn,
        mode: BulkMode,
        chunks: &[Chunk],
        first: usize,
        total: usize,
    ) -> Result<(), Error> {
        begin_on(conn, "bulk save").await?;
        // A run again after a deadlock numbers its rows again.
        self.forget_ids(chunks);
        for (i, chunk) in chunks.iter().enumerate() {
            if let Err(err) = self
                .run_chunk(conn, mode, chunk, (first + i + 1, total))
                .await
            {
                roll_back(conn, &err).await;
                return Err(self.name_unique_conflict(conn, chunk, err).await);
            }
        }
        commit_on(conn, "bulk save commit").await
    }

    async fn run_chunk(
        &self,
        conn: &mut ServerConn,
        mode: BulkMode,
        chunk: &Chunk,
        number: (usize, usize),
    ) -> Result<(), Error> {
        let context = || self.chunk_context(chunk, number);
        let named = |err| self.name_failure(err, chunk);
        let only = self.save.only.as_deref();
        let texts = &self.save.db.texts();
        let dialect = conn.dialect();
        let rows = self.order[chunk.range.clone()]
            .iter()
            .map(|&index| &self.rows[index]);
        let conflict = Some(self.save.conflict);
        // A chunk's rows all leave the same columns to the server (see `partition_groups`).
        let first = &self.rows[self.order[chunk.range.start]];
        let unset = if E::META.columns.iter().any(|c| c.unset_when_null) {
            unset_columns(E::META, &first.to_params())
        } else {
            0
        };
        match mode {
            BulkMode::MultiRow => {
                let sql = texts.upsert::<E>(dialect, conflict, only, chunk.size, unset, self.guard);
                let last = &self.rows[self.order[chunk.range.end - 1]];
                let mut flat = Vec::with_capacity(chunk.size * E::META.columns.len());
                for row in rows.chain(std::iter::repeat(last)).take(chunk.size) {
                    if unset == 0 {
                        row.write_params(&mut flat);
                    } else {
                        flat.extend(without_unset(row.to_params(), unset));
                    }
                }
                statement!(conn, context, text = &*sql, |c| c
                    .exec_drop(&*sql, Params::Positional(flat)))
                .map_err(named)?;
                self.note_ids(conn, chunk, true);
                Ok(())
            }
            _ => {
                let sql = texts.upsert::<E>(dialect, conflict, only, 1, unset, self.guard);
                let params =
                    rows.map(|row| Params::Positional(without_unset(row.to_params(), unset)));
                statement!(conn, context, text = &*sql, |c| c.exec_batch(&*sql, params))
                    .map_err(named)?;
                // Bulk execute does not report the ids it generated.
                self.note_ids(conn, chunk, false);
                Ok(())
            }
        }
    }

    /// Runs `chunks` one after another on a table that cannot roll back. When one fails, it
    /// is run again row by row (the rows before the failing one are written again with the
    /// same values) to find exactly where it stops.
    async fn run_non_atomic(&self, mode: BulkMode, chunks: &[Chunk]) -> Result<(), Error> {
        let mut saved_rows = 0;
        for (i, chunk) in chunks.iter().enumerate() {
            let one = std::slice::from_ref(chunk);
            let done = with_retry!(self.save.db, true, |conn| self
                .run(conn, mode, one, i, chunks.len())
                .await);
            if let Err(first) = done {
                for position in chunk.range.clone() {
                    let row = Chunk {
                        range: position..position + 1,
                        size: 1,
                    };
                    let single = std::slice::from_ref(&row);
                    let done = with_retry!(self.save.db, true, |conn| self
                        .run(conn, BulkMode::MultiRow, single, i, chunks.len())
                        .await);
                    if let Err(err) = done {
                        return Err(Error::PartlySaved {
                            saved_chunks: i,
                            chunks: chunks.len(),
                            saved_rows,
                            source: Box::new(err),
                        });
                    }
                    saved_rows += 1;
                }
                // Every row went through one at a time: the chunk's failure did not repeat.
                tracing::debug!(error = %first, "a chunk failed whole but not row by row");
                continue;
            }
            saved_rows += chunk.range.len();
        }
        Ok(())
    }

    /// A unique conflict in a chunk names the chunk's first row; the server does not say
    /// which row it was. After the rollback, this looks the chunk's unique values up and
    /// names the row whose value another key holds.
    async fn name_unique_conflict(
        &self,
        conn: &mut ServerConn,
        chunk: &Chunk,
        err: Error,
    ) -> Error {
        let Error::UniqueConflict {
            entity,
            key,
            columns,
        } = err
        else {
            return err;
        };
        let found = if conn.broken {
            None
        } else {
            self.conflicting_row(conn, chunk).await
        };
        Error::UniqueConflict {
            entity,
            key: found.map_or(key, |position| (self.key_of)(position)),
            columns,
        }
    }

    /// The position of the first row of `chunk` whose value in a unique column belongs to a
    /// row of another key.
    async fn conflicting_row(&self, conn: &mut ServerConn, chunk: &Chunk) -> Option<usize> {
        let meta = E::META;
        let keys: Vec<usize> = (0..meta.columns.len())
            .filter(|&i| meta.columns[i].key)
            .collect();
        let key_names: Vec<&str> = keys.iter().map(|&i| meta.columns[i].name).collect();
        let literal = |value: &Value| value.as_sql(true);
        let positions = chunk.range.clone();
        let rows: Vec<(usize, Vec<Value>)> = positions
            .map(|position| (position, self.rows[self.order[position]].to_params()))
            .collect();
        for unique in (0..meta.columns.len()).filter(|&i| meta.columns[i].unique) {
            for slice in rows.chunks(PROBE_VALUES) {
                let values: Vec<Value> = slice
                    .iter()
                    .map(|(_, params)| params[unique].clone())
                    .filter(|value| *value != Value::NULL)
                    .collect();
                if values.is_empty() {
                    continue;
                }
                let sql = playerbot_db_sql::rows::unique_holders(
                    meta.table,
                    &key_names,
                    meta.columns[unique].name,
                    values.len(),
                );
                let context = || Context {
                    entity: Some(meta.entity),
                    statement: Some("unique conflict lookup"),
                    ..Context::default()
                };
                let held: Vec<Row> = statement!(conn, context, text = &sql, |c| c
                    .exec(sql, Params::Positional(values)))
                .ok()?;
                for row in held {
                    let row = row.unwrap();
                    let (held_key, held_value) = row.split_at(keys.len());
                    let other_key = |params: &Vec<Value>| {
                        keys.iter()
                            .zip(held_key)
                            .any(|(&i, held)| literal(&params[i]) != literal(held))
                    };
                    let hit = slice.iter().find(|(_, params)| {
                        literal(&params[unique]) == literal(&held_value[0]) && other_key(params)
                    });
                    if let Some((position, _)) = hit {
                        return Some(*position);
                    }
                }
            }
        }
        None
    }

    /// Whether the row at ordered `position` is new (its `auto_increment` key is 0).
    fn is_new(&self, position: usize) -> bool {
        let row = &self.rows[self.order[position]];
        row.is_new()
    }

    /// After a statement of `chunk`: the ids of its new rows, from the first one the server
    /// reports, when it numbers one statement's rows consecutively (multi-row statements
    /// under `innodb_autoinc_lock_mode` 0 or 1); unknown otherwise.
    fn note_ids(&self, conn: &ServerConn, chunk: &Chunk, reported: bool) {
        // Rows of an append-only entity are all new, but nobody numbers them.
        if !self.new_rows || E::META.auto_increment().is_none() {
            return;
        }
        let new = chunk.range.clone().filter(|&p| self.is_new(p)).count();
        if new == 0 {
            return;
        }
        let ids = match (reported && conn.consecutive_ids, conn.conn.last_insert_id()) {
            (true, Some(first)) if first > 0 => Some((first, new)),
            _ => None,
        };
        self.new_ids
            .lock()
            .expect("ids lock")
            .push((chunk.range.start, ids));
    }

    /// Drops the ids noted for `chunks`, which are about to run again (after a deadlock).
    fn forget_ids(&self, chunks: &[Chunk]) {
        let Some(first) = chunks.first() else { return };
        let mut ids = self.new_ids.lock().expect("ids lock");
        ids.retain(|(start, _)| *start < first.range.start);
    }

    /// The ids of the call's new rows in the order given, when every statement's are known.
    fn new_ids(&self, new_rows: usize) -> Option<Vec<u64>> {
        if new_rows == 0 {
            return None;
        }
        let mut entries = self.new_ids.lock().expect("ids lock").clone();
        entries.sort_by_key(|(start, _)| *start);
        let mut ids = Vec::with_capacity(new_rows);
        for (_, known) in entries {
            let (first, count) = known?;
            ids.extend(first..first + count as u64);
        }
        (ids.len() == new_rows).then_some(ids)
    }

    fn chunk_context(&self, chunk: &Chunk, number: (usize, usize)) -> Context {
        Context {
            entity: Some(E::META.entity),
            key: Some((self.key_of)(chunk.range.start)),
            statement: Some("bulk save"),
            chunk: Some(number),
        }
    }

    /// Names the first failing key: the row the server's message points at ("at row N"),
    /// else the chunk's first row (already in the error's context).
    fn name_failure(&self, err: Error, chunk: &Chunk) -> Error {
        let err = match err {
            Error::Server {
                code,
                state,
                message,
                mut context,
            } => {
                if let Some(row) =
                    server_row(&message).filter(|&n| n >= 1 && n <= chunk.range.len())
                {
                    context.key = Some((self.key_of)(chunk.range.start + row - 1));
                }
                Error::Server {
                    code,
                    state,
                    message,
                    context,
                }
            }
            other => other,
        };
        let key = match &err {
            Error::Server { context, .. } => context.key.clone().unwrap_or_default(),
            _ => String::new(),
        };
        validate::map_rejection(err, E::META, self.live.as_deref(), || key)
    }
}
