//! Moving a bot-id range to another shard, while the game keeps writing.
//!
//! The move holds writes to the range in every process (others go on; see `routing`),
//! drains the source shard's write-behind queue, copies the range's rows of every partitioned entity to the target,
//! compares row counts and checksums on both sides, switches the routing, lets the held
//! writes go (now to the target), and deletes the rows from the source. A journal on the
//! target shard records each step, so a move that was interrupted is finished (after the
//! switch) or can be rolled back (before it), never leaving a row on neither shard or, for
//! routing, on both.

use std::ops::Range;
use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row, Value};
use playerbot_db_sql::{moving, rows as many_rows, Dialect};

use super::own_conn::OwnConn;
use super::Cluster;
use crate::{Db, EntityMeta, Error};

/// Ids copied per read from the source.
const WINDOW: u64 = 1_000;
/// Rows per insert on the target (far below the placeholder and packet limits).
const ROWS_PER_INSERT: usize = 500;

/// Why a move was refused or stopped. Nothing was switched when it is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoveError {
    /// The range is empty, or not wholly inside one shard's ids.
    #[error("bot ids {start}..{end} are not a non-empty part of one shard's range")]
    NotOneShard {
        /// The range's first id.
        start: u64,
        /// Its end (exclusive).
        end: u64,
    },
    /// The range already lives on the target shard.
    #[error("bot ids {start}..{end} are already on shard {shard}")]
    AlreadyThere {
        /// The range's first id.
        start: u64,
        /// Its end.
        end: u64,
        /// The shard.
        shard: usize,
    },
    /// After the copy, a table's rows differed between the shards; the copy was removed.
    #[error("table {table}: the source has {source_rows} rows (checksum {source_sum}), the copy {target_rows} (checksum {target_sum}); the copy was removed and nothing switched")]
    Mismatch {
        /// The table.
        table: &'static str,
        /// Rows on the source.
        source_rows: u64,
        /// Their checksum.
        source_sum: u64,
        /// Rows on the target.
        target_rows: u64,
        /// Their checksum.
        target_sum: u64,
    },
    /// Another range is being moved (one move at a time in a cluster).
    #[error("bot ids {start}..{end} are being moved; one move at a time (roll that one back if its mover stopped)")]
    Busy {
        /// The held range's first id.
        start: u64,
        /// Its end.
        end: u64,
    },
    /// A process following the shard map has not been heard from lately: it may still be
    /// writing on routes it can no longer update.
    #[error("process {name} has not been heard from for {silent_for:?}: a move waits until it is back or forgotten")]
    SilentProcess {
        /// The process, as it named itself.
        name: String,
        /// Since when.
        silent_for: Duration,
    },
    /// A process did not answer in time.
    #[error("process {name} did not {what} within the move's wait")]
    NoAnswer {
        /// The process.
        name: String,
        /// What it was asked to do.
        what: &'static str,
    },
    /// Another process that is still alive is moving this range.
    #[error("process {name} is moving this range now; let it finish (or stop it first)")]
    StillMoving {
        /// The mover, as it named itself.
        name: String,
    },
    /// The journal says the move got past the switch: it can only be finished.
    #[error("the move of bot ids {start}..{end} was already switched; run it again to finish it")]
    AlreadySwitched {
        /// The range's first id.
        start: u64,
        /// Its end.
        end: u64,
    },
}

/// What a move did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoveReport {
    /// Rows copied per table.
    pub copied: Vec<(&'static str, u64)>,
    /// Whether this call finished a move an earlier one had switched (it only deleted the
    /// source's rows).
    pub resumed: bool,
    /// How long writes to the range were held: from taking the hold (waiting for every
    /// process to answer included) to the switch. Another process lets its held writes go
    /// when it next reads the map, up to `route_poll` later.
    pub held: Duration,
}

const COPYING: &str = "copying";
const SWITCHED: &str = "switched";
const DONE: &str = "done";
const ROLLED_BACK: &str = "rolled_back";

impl Cluster {
    /// Moves bot ids `ids` to shard `to` (see the module docs); returns once the source no
    /// longer holds them. Writes to the range wait meanwhile, at most
    /// [`ClusterPolicy::move_wait`](super::ClusterPolicy::move_wait) each.
    ///
    /// With two shards or more, every process following the shared shard map (every
    /// [`Cluster`] built on this topology, in any process) holds its writes to the range
    /// too, and the move waits for each to answer; see [`ClusterPolicy`](super::ClusterPolicy)
    /// for how long.
    ///
    /// Dropped before its copy is verified, the move is abandoned (held writes go on to the
    /// source; running it again starts over); dropped after, it completes in the
    /// background. If the process stops in between, the range stays held (writes to it fail
    /// with [`Error::RangeMoving`] after the wait) until the move is run again, which
    /// finishes or restarts it, or [rolled back](Self::rollback_move).
    pub async fn move_range(&self, ids: Range<u64>, to: usize) -> Result<MoveReport, Error> {
        let one_at_a_time = std::sync::Arc::clone(&self.inner.moves).lock_owned().await;
        let from = self.owner_of(&ids)?;
        let target = self.primary(to).clone();
        journal_ready(&target).await?;
        let state = read_state(&target, &ids).await?;
        if state.as_deref() == Some(DONE) && from == to {
            return Ok(MoveReport::default());
        }
        if from == to {
            return Err(MoveError::AlreadyThere {
                start: ids.start,
                end: ids.end,
                shard: to,
            }
            .into());
        }
        if state.as_deref() == Some(SWITCHED) {
            // An earlier run switched and stopped before deleting: routing goes to the
            // target from now on, and the source's copy goes.
            let version = self.switch(&ids, to).await?;
            self.wait_for_routes(version).await?;
            self.finish(&ids, from, to).await?;
            return Ok(MoveReport {
                resumed: true,
                ..MoveReport::default()
            });
        }
        record_state(&target, &ids, from, to, COPYING).await?;
        // From the hold being taken, answers from other processes included.
        let started = std::time::Instant::now();
        let hold = self.hold(ids.clone()).await?;
        let copied = match self.copy_and_compare(&ids, from, to).await {
            Ok(copied) => copied,
            Err(err) => {
                // Nothing switched: the copy goes, the writes go on to the source.
                let _ = remove_range(&target, &self.partitioned(to), &ids).await;
                let _ = record_state(&target, &ids, from, to, ROLLED_BACK).await;
                hold.release().await;
                return Err(err);
            }
        };
        // From here the move is carried through even if this call is dropped: the switch
        // must not stop between the journal and the routing, nor leave the source's rows
        // after the routing moved on.
        let cluster = self.clone();
        let commit = tokio::spawn(async move {
            let mut hold = hold;
            // Once "switched" may be in the journal, the hold stays until the routes have
            // switched: writes let go to the source now would be deleted with its copy
            // when the move is finished. So both are tried until they succeed (writes to
            // the range fail with `RangeMoving` meanwhile).
            until_done("recording the switch", || {
                record_state(&target, &ids, from, to, SWITCHED)
            })
            .await;
            let version = until_done("switching the routes", || cluster.switch(&ids, to)).await;
            // The switch let go of the shared hold with the old routes.
            hold.shared = false;
            let held = started.elapsed();
            drop(hold);
            // Every process reads the range from the target before the source's rows go.
            cluster.wait_for_routes(version).await?;
            cluster.finish(&ids, from, to).await?;
            drop(one_at_a_time);
            Ok::<_, Error>(held)
        });
        let held = commit.await.expect("the switch of a range move panicked")?;
        Ok(MoveReport {
            copied,
            resumed: false,
            held,
        })
    }

    /// Undoes a move of `ids` to `to` that was interrupted before its switch: the target's
    /// copy is deleted and the journal says so. A move past its switch cannot be rolled back
    /// (move the range back instead).
    pub async fn rollback_move(&self, ids: Range<u64>, to: usize) -> Result<(), Error> {
        let _one_at_a_time = self.inner.moves.lock().await;
        let target = self.primary(to).clone();
        journal_ready(&target).await?;
        match read_state(&target, &ids).await?.as_deref() {
            Some(SWITCHED) | Some(DONE) => Err(MoveError::AlreadySwitched {
                start: ids.start,
                end: ids.end,
            }
            .into()),
            None | Some(ROLLED_BACK) => self.release_shared_range(&ids).await,
            Some(_) => {
                self.refuse_if_mover_alive(&ids).await?;
                let from = self.owner_of(&ids)?;
                // Writes to the range go on to the source only once the copy is gone.
                remove_range(&target, &self.partitioned(to), &ids).await?;
                record_state(&target, &ids, from, to, ROLLED_BACK).await?;
                self.release_shared_range(&ids).await
            }
        }
    }

    /// Waits until every other process routes by `version` of the shared map (or later).
    async fn wait_for_routes(&self, version: Option<u64>) -> Result<(), Error> {
        match version {
            Some(version) => {
                self.wait_for_peers("take in the new routes", |_, routes| routes >= version)
                    .await
            }
            None => Ok(()),
        }
    }

    /// The shard whose routing holds all of `ids`.
    fn owner_of(&self, ids: &Range<u64>) -> Result<usize, Error> {
        let refused = || MoveError::NotOneShard {
            start: ids.start,
            end: ids.end,
        };
        if ids.is_empty() {
            return Err(refused().into());
        }
        let map = self.inner.map.read().expect("map lock");
        map.iter()
            .find(|(range, _)| range.start <= ids.start && ids.end <= range.end)
            .map(|(_, shard)| *shard)
            .ok_or_else(|| refused().into())
    }

    /// The partitioned entities registered on shard `shard`: the ones a range holds rows of.
    fn partitioned(&self, shard: usize) -> Vec<&'static EntityMeta> {
        self.primary(shard)
            .pool
            .registry
            .metas()
            .filter(|meta| meta.partitioning.is_some())
            .collect()
    }

    async fn copy_and_compare(
        &self,
        ids: &Range<u64>,
        from: usize,
        to: usize,
    ) -> Result<Vec<(&'static str, u64)>, Error> {
        let (source, target) = (self.primary(from), self.primary(to));
        // Accepted writes to the range reach the source's table before it is read.
        source.flush().await?;
        let metas = self.partitioned(to);
        // Rows an earlier, interrupted attempt left on the target.
        remove_range(target, &metas, ids).await?;
        let mut copied = Vec::with_capacity(metas.len());
        for meta in metas {
            let rows = copy_table(source, target, meta, ids).await?;
            let (source_rows, source_sum) = checksum(source, meta, ids).await?;
            let (target_rows, target_sum) = checksum(target, meta, ids).await?;
            if (source_rows, source_sum) != (target_rows, target_sum) {
                return Err(MoveError::Mismatch {
                    table: meta.table,
                    source_rows,
                    source_sum,
                    target_rows,
                    target_sum,
                }
                .into());
            }
            copied.push((meta.table, rows));
        }
        Ok(copied)
    }

    /// Deletes the range from the source (its caches were cleared at the switch) and marks
    /// the move done.
    async fn finish(&self, ids: &Range<u64>, from: usize, to: usize) -> Result<(), Error> {
        remove_range(self.primary(from), &self.partitioned(from), ids).await?;
        record_state(self.primary(to), ids, from, to, DONE).await
    }
}

/// Runs `step` until it succeeds, a little slower each time (at most a second apart).
async fn until_done<T, F, Fut>(what: &str, step: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let mut pause = Duration::from_millis(50);
    loop {
        match step().await {
            Ok(done) => return done,
            Err(err) => {
                tracing::warn!("range move: {what} failed, trying again in {pause:?}: {err}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}

async fn journal_ready(target: &Db) -> Result<(), Error> {
    let mut conn = OwnConn::on(target).await?;
    conn.query_drop(moving::CREATE_JOURNAL).await?;
    conn.done();
    Ok(())
}

async fn read_state(target: &Db, ids: &Range<u64>) -> Result<Option<String>, Error> {
    let mut conn = OwnConn::on(target).await?;
    let row: Option<(u32, u32, String)> = conn
        .exec_first(moving::READ_STATE, (ids.start, ids.end))
        .await?;
    conn.done();
    Ok(row.map(|(_, _, state)| state))
}

async fn record_state(
    target: &Db,
    ids: &Range<u64>,
    from: usize,
    to: usize,
    state: &str,
) -> Result<(), Error> {
    let mut conn = OwnConn::on(target).await?;
    let sql = moving::record_state(conn.dialect());
    conn.exec_drop(sql, (ids.start, ids.end, from as u32, to as u32, state))
        .await?;
    conn.done();
    Ok(())
}

/// Copies the range's rows of `meta`'s table, a window of ids at a time; the rows copied.
async fn copy_table(
    source: &Db,
    target: &Db,
    meta: &'static EntityMeta,
    ids: &Range<u64>,
) -> Result<u64, Error> {
    let column = meta.partitioning.expect("partitioned").column;
    let names: Vec<&str> = meta.columns.iter().map(|c| c.name).collect();
    let select = moving::select_range(meta.table, names.iter().copied(), column);
    let mut copied = 0;
    let mut start = ids.start;
    while start < ids.end {
        let end = start.saturating_add(WINDOW).min(ids.end);
        let rows: Vec<Row> = {
            let mut conn = OwnConn::on(source).await?;
            let rows = conn.exec(select.as_str(), (start, end)).await?;
            conn.done();
            rows
        };
        let mut conn = OwnConn::on(target).await?;
        let dialect = conn.dialect();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let group: Vec<Row> = rows.by_ref().take(ROWS_PER_INSERT).collect();
            let sql = insert_rows(meta, dialect, &names, group.len());
            copied += group.len() as u64;
            // The rows' own values, moved, not copied.
            let params: Vec<Value> = group.into_iter().flat_map(Row::unwrap).collect();
            conn.exec_drop(sql, Params::Positional(params)).await?;
        }
        conn.done();
        start = end;
    }
    Ok(copied)
}

/// A multi-row insert of `rows` rows; an upsert where the entity has a key, so a retried
/// window never fails on rows it wrote before.
fn insert_rows(meta: &EntityMeta, dialect: Dialect, names: &[&str], rows: usize) -> String {
    let head = many_rows::insert_head(meta.table, names.iter().copied());
    let placeholders = many_rows::row_placeholders(names.len());
    many_rows::repeat_rows(
        &head,
        &placeholders,
        rows,
        meta.statements(dialect).upsert_tail,
    )
}

async fn checksum(
    db: &Db,
    meta: &'static EntityMeta,
    ids: &Range<u64>,
) -> Result<(u64, u64), Error> {
    let column = meta.partitioning.expect("partitioned").column;
    let sql = moving::range_checksum(meta.table, meta.columns.iter().map(|c| c.name), column);
    let mut conn = OwnConn::on(db).await?;
    let found: Option<(u64, u64)> = conn.exec_first(sql, (ids.start, ids.end)).await?;
    conn.done();
    Ok(found.unwrap_or((0, 0)))
}

/// Deletes the range's rows of every table in `metas` on `db`.
async fn remove_range(
    db: &Db,
    metas: &[&'static EntityMeta],
    ids: &Range<u64>,
) -> Result<(), Error> {
    let mut conn = OwnConn::on(db).await?;
    for meta in metas {
        let column = meta.partitioning.expect("partitioned").column;
        conn.exec_drop(
            moving::delete_range(meta.table, column),
            (ids.start, ids.end),
        )
        .await?;
    }
    conn.done();
    Ok(())
}
