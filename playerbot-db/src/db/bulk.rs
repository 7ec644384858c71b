//! Bulk saves on a handle: [`BulkSave`] sets the options, and its rows are split by shard
//! (without copying them), the shards written at the same time.

use std::collections::HashMap;

use super::Db;
use crate::repo::BulkOptions;
use crate::{Atomicity, BotEntity, BulkMode, BulkReport, Column, Conflict, Error};

/// Options for one bulk save; start with [`Db::bulk`].
#[derive(Debug)]
#[must_use = "nothing is saved until `save` is called"]
pub struct BulkSave<'db, E> {
    db: &'db Db,
    options: BulkOptions,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl Db {
    /// Saves all `rows` (upsert), in one transaction per shard: with one shard all or
    /// nothing; with several, the shards are written at the same time and on failure the
    /// first error is returned while the other shards' rows may be saved.
    pub async fn save_all<E: BotEntity>(&self, rows: &[E]) -> Result<BulkReport, Error> {
        self.bulk::<E>().save(rows).await
    }

    /// A bulk save with options: which columns to update, conflict policy, transaction scope.
    pub fn bulk<E: BotEntity>(&self) -> BulkSave<'_, E> {
        BulkSave {
            db: self,
            options: BulkOptions::default(),
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
        self.options.only = Some(only);
        self
    }

    /// What an existing row of the same key gets: updated (default) or kept.
    pub fn on_conflict(mut self, conflict: Conflict) -> Self {
        self.options.conflict = conflict;
        self
    }

    /// One transaction for the whole call (default, all or nothing) or one per chunk.
    pub fn atomicity(mut self, scope: Atomicity) -> Self {
        self.options.scope = scope;
        self
    }

    /// How rows are sent: `Auto` picks bulk execute on MariaDB, multi-row statements elsewhere.
    pub fn mode(mut self, mode: BulkMode) -> Self {
        self.options.mode = mode;
        self
    }

    /// Allows a save to a table whose engine cannot roll back (MyISAM, Aria, MEMORY, …),
    /// which is refused by default with [`Error::NotTransactional`]: such a save cannot be all
    /// or nothing. A failure then is [`Error::PartlySaved`] with exactly the rows written —
    /// the first `saved_rows` in partition, then key order (the failing chunk is run again
    /// row by row to find where it stopped; upserts of the same values change nothing).
    pub fn allow_partial_writes(mut self, allow: bool) -> Self {
        self.options.partial = allow;
        self
    }

    /// Saves `rows` (at most [`MAX_ROWS_PER_CALL`](crate::MAX_ROWS_PER_CALL)); a later row of
    /// the same key wins. With several shards each shard's rows go to its primary, the
    /// shards at the same time, each in its own transaction(s).
    pub async fn save(self, rows: &[E]) -> Result<BulkReport, Error> {
        let db = self.db;
        let _pass = db
            .write_pass(|range| {
                rows.iter()
                    .filter_map(|row| row.partition_key())
                    .any(|id| range.contains(&id))
            })
            .await?;
        // All on one shard (one server, a call for one bot, no rows): no split.
        let only = match rows.is_empty() {
            true => Some(0),
            false => db.only_shard(rows.iter().map(|row| db.shard_of::<E>(&row.key()))),
        };
        if let Some(shard) = only {
            if db.sharded() {
                for row in rows {
                    db.supersede_parked::<E>(&row.key());
                }
            }
            return db.server(shard).bulk_with(self.options).save(rows).await;
        }
        let mut by_shard: HashMap<usize, Vec<usize>> = HashMap::new();
        for (index, row) in rows.iter().enumerate() {
            db.supersede_parked::<E>(&row.key());
            by_shard
                .entry(db.shard_of::<E>(&row.key()))
                .or_default()
                .push(index);
        }
        // Polled together in this call: a dropped call drops every shard's save at its next
        // await, so nothing keeps writing for a caller that gave up (each shard's save is
        // whole or absent, as one server's is).
        let saves = by_shard.into_iter().map(|(shard, subset)| {
            let options = self.options.clone();
            async move {
                db.server(shard)
                    .bulk_with::<E>(options)
                    .save_some(rows, Some(&subset))
                    .await
            }
        });
        let mut total: Option<BulkReport> = None;
        let mut first_error = None;
        for done in join_all(saves).await {
            match done {
                Ok(report) => total = Some(merge(total, report)),
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        match (first_error, total) {
            (Some(err), _) => Err(err),
            (None, Some(total)) => Ok(total),
            (None, None) => unreachable!("rows on several shards went to some shard"),
        }
    }
}

/// Runs every future at once on the calling task and returns their outputs in order.
async fn join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut running: Vec<_> = futures.map(|future| Some(Box::pin(future))).collect();
    let mut outputs: Vec<Option<F::Output>> = running.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, output) in running.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|output| output.expect("every future finished"))
        .collect()
}

/// Two shards' reports as one. New ids are per shard and lose their order across shards, so
/// the sum has none.
fn merge(total: Option<BulkReport>, report: BulkReport) -> BulkReport {
    match total {
        None => report,
        Some(sum) => BulkReport {
            rows: sum.rows + report.rows,
            duplicates: sum.duplicates + report.duplicates,
            chunks: sum.chunks + report.chunks,
            mode: sum.mode,
            new_ids: None,
        },
    }
}
