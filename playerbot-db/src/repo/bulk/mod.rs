//! Saving many rows in few statements, on one server: [`ServerBulk`] (its options set by the
//! public [`BulkSave`](crate::BulkSave)), which coordinates with the cache and the
//! write-behind queue here, checks and plans the call in `write.rs`, runs it in `job.rs`,
//! names a unique conflict's row in `conflict.rs` and collects generated ids in `ids.rs`;
//! `plan.rs` orders rows and cuts chunks.
//!
//! Duplicate keys in one call collapse to the last row given. Rows are ordered by
//! partition so every statement touches one partition. On MariaDB the rows go through
//! COM_STMT_BULK_EXECUTE (`exec_batch`: one prepared single-row statement, one round trip per
//! packet); on MySQL, which has no bulk execute, through multi-row statements of a few fixed
//! sizes, within the 65,535-placeholder limit and the server's `max_allowed_packet`.

mod conflict;
mod ids;
mod job;
mod plan;
mod write;

use std::collections::HashMap;

use crate::server::Server;
pub use crate::statements::Conflict;
use crate::unset::unset_columns;
use crate::{BotEntity, Error};
pub(crate) use plan::{full_statement_rows, ordered_parts};

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

/// What a bulk save does with its rows, as its builder ([`BulkSave`](crate::BulkSave)) set.
#[derive(Debug, Clone)]
pub(crate) struct BulkOptions {
    /// On conflict, update only these columns (indices into the entity's columns).
    pub(crate) only: Option<Vec<usize>>,
    pub(crate) conflict: Conflict,
    pub(crate) scope: Atomicity,
    pub(crate) mode: BulkMode,
    /// Writes to a table that cannot roll back are allowed.
    pub(crate) partial: bool,
    /// The flusher's own save: it must not wait for (supersede) the queue's writes.
    pub(crate) from_queue: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            only: None,
            conflict: Conflict::Update,
            scope: Atomicity::WholeCall,
            mode: BulkMode::Auto,
            partial: false,
            from_queue: false,
        }
    }
}

/// One bulk save on one server.
#[derive(Debug)]
#[must_use = "nothing is saved until `save` is called"]
pub(crate) struct ServerBulk<'db, E> {
    db: &'db Server,
    options: BulkOptions,
    entity: std::marker::PhantomData<fn() -> E>,
}

/// Unique values looked up in one statement when naming the row of a unique conflict.
pub(super) const PROBE_VALUES: usize = 10_000;

/// The most rows one call accepts; more is almost certainly a mistake in the caller.
pub const MAX_ROWS_PER_CALL: usize = 1_000_000;

impl Server {
    /// A bulk save with the default options.
    pub(crate) fn bulk<E: BotEntity>(&self) -> ServerBulk<'_, E> {
        self.bulk_with(BulkOptions::default())
    }

    /// A bulk save with `options`.
    pub(crate) fn bulk_with<E: BotEntity>(&self, options: BulkOptions) -> ServerBulk<'_, E> {
        ServerBulk {
            db: self,
            options,
            entity: std::marker::PhantomData,
        }
    }
}

impl<E: BotEntity> ServerBulk<'_, E> {
    /// A save by the write-behind flusher, of rows the queue holds.
    pub(crate) fn for_flusher(mut self) -> Self {
        self.options.from_queue = true;
        // Rows of a table that cannot roll back are written as they can be; each row keeps
        // its place in the queue until written.
        self.options.partial = true;
        self
    }

    /// Saves `rows` (at most [`MAX_ROWS_PER_CALL`]); a later row of the same key wins.
    pub(crate) async fn save(self, rows: &[E]) -> Result<BulkReport, Error> {
        self.save_some(rows, None).await
    }

    /// Saves the rows of `rows` that `subset` names by index (every row with `None`): a
    /// handle over shards gives each shard its own rows without copying them.
    pub(crate) async fn save_some(
        self,
        rows: &[E],
        subset: Option<&[usize]>,
    ) -> Result<BulkReport, Error> {
        // The plan is looked up once for the whole call.
        let plan = self.db.registry().plan::<E>()?;
        let chosen = || -> Box<dyn Iterator<Item = &E> + Send + '_> {
            match subset {
                Some(subset) => Box::new(subset.iter().map(|&index| &rows[index])),
                None => Box::new(rows.iter()),
            }
        };
        // A direct save supersedes deferred writes of its keys.
        if let (false, Some(queue)) = (
            self.options.from_queue,
            self.db.behind().queue_at::<E>(plan.position),
        ) {
            let seq = self.db.behind().last_seq();
            for row in chosen() {
                queue.supersede(&row.key(), seq).await;
            }
        }
        let Some(cache) = plan.cache::<E>() else {
            return self.write(rows, subset, plan).await;
        };
        // Memory takes each saved row once the call is through — all of it when the row
        // replaced the stored one, else (conflicts ignored, some columns updated, columns
        // left to the server) the key is dropped; a failed or cancelled call drops them all.
        let whole_rows = self.options.conflict == Conflict::Update && self.options.only.is_none();
        let mut last: HashMap<E::Key, &E> = HashMap::with_capacity(rows.len());
        for row in chosen() {
            if !row.is_new() {
                last.insert(row.key(), row);
            }
        }
        let pending = cache.begin_writes(last.keys().cloned().collect());
        let report = match self.write(rows, subset, plan).await {
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
}
