//! One bulk save's prepared work ([`Job`]) and how it runs: in transactions of its chunks,
//! or row by row where the table cannot roll back.

use std::sync::Arc;

use mysql_async::prelude::Queryable;
use mysql_async::Params;

use super::plan::{self, Chunk};
use super::{BulkMode, ServerBulk};
use crate::error::{server_row, Context};
use crate::live_table::{LiveTable, UpsertGuard};
use crate::pool::{statement, ServerConn};
use crate::repo::transaction::{begin_on, commit_on, roll_back};
use crate::repo::{validate, with_retry};
use crate::unset::{unset_columns, without_unset};
use crate::{BotEntity, Error};

/// One call's prepared work.
pub(super) struct Job<'a, E, K> {
    pub(super) save: &'a ServerBulk<'a, E>,
    pub(super) rows: &'a [E],
    /// Positions into `rows`, deduplicated and ordered by partition.
    pub(super) order: &'a [usize],
    /// Estimated bytes of each ordered row's params.
    pub(super) row_sizes: &'a [usize],
    pub(super) groups: &'a [std::ops::Range<usize>],
    pub(super) key_of: &'a K,
    /// Whether the call has new rows of an `auto_increment` entity (key 0).
    pub(super) new_rows: bool,
    /// Per statement with new rows: its first ordered position, and `(first id, count)` of
    /// the ids it generated when they are known.
    pub(super) new_ids: std::sync::Mutex<Vec<NumberedStatement>>,
    /// The live table, as read for this call.
    pub(super) live: Option<Arc<LiveTable>>,
    /// The guard its upserts need.
    pub(super) guard: UpsertGuard,
}

/// A statement with new rows: its first ordered position, and `(first id, count)` of the ids
/// it generated when they are known.
type NumberedStatement = (usize, Option<(u64, usize)>);

impl<E: BotEntity, K: Fn(usize) -> String> Job<'_, E, K> {
    pub(super) fn chunks(
        &self,
        mode: BulkMode,
        max_allowed_packet: usize,
    ) -> Result<Vec<Chunk>, Error> {
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
    pub(super) async fn run(
        &self,
        conn: &mut ServerConn,
        mode: BulkMode,
        chunks: &[Chunk],
        first: usize,
        total: usize,
    ) -> Result<(), Error> {
        // A run again after a deadlock numbers its rows again.
        self.forget_ids(chunks);
        // One multi-row statement is all or nothing by itself (autocommit): no transaction
        // and its two round trips. Bulk execute keeps its transaction: the server runs its
        // rows one by one, and nothing documents them as one statement.
        if let ([chunk], BulkMode::MultiRow) = (chunks, mode) {
            return match self.run_chunk(conn, mode, chunk, (first + 1, total)).await {
                Ok(()) => Ok(()),
                Err(err) => Err(self.name_unique_conflict(conn, chunk, err).await),
            };
        }
        begin_on(conn, "bulk save").await?;
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

    pub(super) async fn run_chunk(
        &self,
        conn: &mut ServerConn,
        mode: BulkMode,
        chunk: &Chunk,
        number: (usize, usize),
    ) -> Result<(), Error> {
        let context = || self.chunk_context(chunk, number);
        let named = |err| self.name_failure(err, chunk);
        let only = self.save.options.only.as_deref();
        let texts = &self.save.db.texts();
        let dialect = conn.dialect();
        let rows = self.order[chunk.range.clone()]
            .iter()
            .map(|&index| &self.rows[index]);
        let conflict = Some(self.save.options.conflict);
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
    pub(super) async fn run_non_atomic(
        &self,
        mode: BulkMode,
        chunks: &[Chunk],
    ) -> Result<(), Error> {
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

    pub(super) fn chunk_context(&self, chunk: &Chunk, number: (usize, usize)) -> Context {
        Context {
            entity: Some(E::META.entity),
            key: Some((self.key_of)(chunk.range.start)),
            statement: Some("bulk save"),
            chunk: Some(number),
        }
    }

    /// Names the first failing key: the row the server's message points at ("at row N"),
    /// else the chunk's first row (already in the error's context).
    pub(super) fn name_failure(&self, err: Error, chunk: &Chunk) -> Error {
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
