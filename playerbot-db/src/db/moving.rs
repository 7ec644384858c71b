//! Moving a bot-id range to another shard, while the game keeps writing.
//!
//! The move opens its entry in the journal (kept with the shared map on the first shard,
//! under the move's own token), holds writes to the
//! range in every process (others go on; see `routing`), drains the source shard's
//! write-behind queue, copies the range's rows of every partitioned entity to the target,
//! compares row counts and checksums on both sides, then switches: the journal entry, the
//! routes and the hold change in one transaction on the first shard, so the journal never
//! says "switched" while the routes do not, nor the other way round. Held writes then go to
//! the target, and once every process routes there the source's rows are deleted.
//!
//! Whatever an earlier move left is done first by the next move of an overlapping range
//! (the same move run again, or another): a switched one is finished (the source's rows
//! deleted), one stopped before its switch is undone (the target's partial copy deleted).
//! Only the move's own entry is ever finished or undone — never another's — and a move that
//! still holds its range with a live mover is left to it. A mover is known dead when it has
//! not been heard from for `silent_after` and its process lock (see `routing`) is free: every
//! process then lets go of its hold, and a rerun takes over.
//!
//! A move reports a [`MoveReport`], its steps as [`MoveStep`]s, and what the journal holds
//! open as [`OpenMove`]s; why one was refused is a [`MoveError`], kept in the error module
//! (the root error wraps it, and must not name this module). The journal's statements are in
//! `journal.rs`, the copy, comparison and removal of a range's rows in `copy.rs`.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use super::copy::{checksum, copy_table, remove_range};
use super::journal::{
    journal_ready, moved_before, open_moves, roll_back_entry, set_state, start_move,
};
use super::{Db, MoveError};
use crate::{EntityMeta, Error};

/// What a move did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoveReport {
    /// Rows copied per table.
    pub copied: Vec<(&'static str, u64)>,
    /// Whether this call finished this same move an earlier run had switched (it only
    /// deleted the source's rows).
    pub resumed: bool,
    /// Earlier moves of overlapping ranges this call found open and settled first: finished
    /// (switched ones) or undone (ones stopped before their switch).
    pub settled: Vec<OpenMove>,
    /// How long writes to the range were held: from taking the hold (waiting for every
    /// process to answer included) to the switch. Another process lets its held writes go
    /// when it next reads the map, up to `route_poll` later.
    pub held: Duration,
}

/// Where an open move stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MoveState {
    /// Copying, nothing switched: undone (its copy deleted) once its mover is gone.
    Copying,
    /// Its mover died before the switch: its copy is to be deleted.
    Abandoned,
    /// Switched: the routes name the target; the source's rows are to be deleted.
    Switched,
}

impl MoveState {
    pub(super) fn from_name(name: &str) -> Option<MoveState> {
        match name {
            COPYING => Some(MoveState::Copying),
            ABANDONED => Some(MoveState::Abandoned),
            SWITCHED => Some(MoveState::Switched),
            _ => None,
        }
    }
}

/// A move the journal holds as not finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenMove {
    /// The move's own token.
    pub token: u64,
    /// Its range.
    pub ids: Range<u64>,
    /// From shard.
    pub from: usize,
    /// To shard.
    pub to: usize,
    /// Where it stands.
    pub state: MoveState,
    /// The process that ran it, as it named itself.
    pub mover: String,
}

/// One step of a move, as it happens (for a progress display).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MoveStep {
    /// An earlier move of an overlapping range was finished: the source's rows deleted.
    FinishedEarlier(OpenMove),
    /// An earlier move stopped before its switch was undone: its copy deleted.
    UndidEarlier(OpenMove),
    /// Writes to the range are held in every process.
    Held,
    /// A table's rows are copied and verified on the target.
    Copied {
        /// The table.
        table: &'static str,
        /// Its rows in the range.
        rows: u64,
    },
    /// The journal, the routes and the hold switched in one transaction.
    Switched,
    /// Every process routes to the target.
    RoutesTakenIn,
    /// The source's rows are deleted: the move is done.
    Deleted,
}

/// Where a move's progress goes.
pub type Progress = Arc<dyn Fn(MoveStep) + Send + Sync>;

pub(super) const COPYING: &str = "copying";
pub(super) const SWITCHED: &str = "switched";
pub(super) const ABANDONED: &str = "abandoned";
const DONE: &str = "done";
pub(super) const ROLLED_BACK: &str = "rolled_back";

impl Db {
    /// Moves bot ids `ids` to shard `to` (see the module docs); returns once the source no
    /// longer holds them. Writes to the range wait meanwhile, at most
    /// [`ClusterPolicy::move_wait`](super::ClusterPolicy::move_wait) each.
    ///
    /// Every process following the shared shard map (every [`Db`] built on this
    /// topology, in any process) holds its writes to the range too, and the move waits for
    /// each to answer; see [`ClusterPolicy`](super::ClusterPolicy) for how long.
    ///
    /// Whatever an earlier move of an overlapping range left is done first: one that
    /// switched is finished, one stopped before its switch undone (unless its mover is still
    /// alive: [`MoveError::StillMoving`]). So running a move again after its process died,
    /// at any point, finishes it. Dropped before its copy is verified, the move is abandoned
    /// (held writes go on to the source; the next move deletes the copy); dropped after, it
    /// completes in the background.
    pub async fn move_range(&self, ids: Range<u64>, to: usize) -> Result<MoveReport, Error> {
        self.move_range_with(ids, to, Arc::new(|_| {})).await
    }

    /// [`move_range`](Self::move_range), telling `progress` each step as it happens.
    pub async fn move_range_with(
        &self,
        ids: Range<u64>,
        to: usize,
        progress: Progress,
    ) -> Result<MoveReport, Error> {
        let one_at_a_time = Arc::clone(&self.inner.moves).lock_owned().await;
        let home = self.server(0).clone();
        journal_ready(&home).await?;
        let mut report = MoveReport::default();
        // One move at a time in a cluster: every open one is settled first.
        for open in open_moves(&home).await? {
            match open.state {
                MoveState::Switched => {
                    self.finish_switched(&open).await?;
                    report.resumed |= open.ids == ids && open.to == to;
                    progress(MoveStep::FinishedEarlier(open.clone()));
                }
                MoveState::Copying | MoveState::Abandoned => {
                    if self.still_running_after_dying(open.token).await? {
                        return Err(if overlaps(&open.ids, &ids) {
                            MoveError::StillMoving { name: open.mover }
                        } else {
                            MoveError::Busy {
                                start: open.ids.start,
                                end: open.ids.end,
                            }
                        }
                        .into());
                    }
                    self.undo_unswitched(&open).await?;
                    progress(MoveStep::UndidEarlier(open.clone()));
                }
            }
            report.settled.push(open);
        }
        let from = self.owner_of(&ids)?;
        if from == to {
            if report.resumed || moved_before(&home, &ids, to).await? {
                return Ok(report);
            }
            return Err(MoveError::AlreadyThere {
                start: ids.start,
                end: ids.end,
                shard: to,
            }
            .into());
        }
        let token = super::routing::random_id();
        start_move(&home, token, &ids, from, to, &self.mover_name()).await?;
        // From the hold being taken, answers from other processes included.
        let started = std::time::Instant::now();
        let hold = match self.hold(ids.clone(), token).await {
            Ok(hold) => hold,
            Err(err) => {
                self.give_up(token, &ids, to).await;
                return Err(err);
            }
        };
        progress(MoveStep::Held);
        let copied = match self.copy_and_compare(&ids, from, to, &progress).await {
            Ok(copied) => copied,
            Err(err) => {
                hold.release().await;
                self.give_up(token, &ids, to).await;
                return Err(err);
            }
        };
        // From here the move is carried through even if this call is dropped: a switch that
        // may have been sent is retried until its outcome is known.
        let cluster = self.clone();
        let commit = tokio::spawn(async move {
            let _one_at_a_time = one_at_a_time;
            let mut hold = hold;
            let version = match cluster.switch_until_known(&ids, to, token).await {
                Ok(version) => version,
                Err(err) => {
                    // Let go of before the switch: nothing switched, the copy goes.
                    drop(hold);
                    cluster.give_up(token, &ids, to).await;
                    return Err(err);
                }
            };
            // The switch let go of the shared hold with the old routes.
            hold.switched();
            let held = started.elapsed();
            drop(hold);
            progress(MoveStep::Switched);
            let finished = async {
                // Every process reads the range from the target before the source's rows go.
                cluster.wait_for_routes(version).await?;
                progress(MoveStep::RoutesTakenIn);
                cluster.delete_source(token, &ids, from, to).await?;
                progress(MoveStep::Deleted);
                Ok::<_, Error>(())
            };
            finished.await.map_err(|err| not_finished(&ids, err))?;
            Ok::<_, Error>(held)
        });
        let held = commit.await.expect("the switch of a range move panicked")?;
        Ok(MoveReport {
            copied,
            held,
            ..report
        })
    }

    /// Undoes a move of `ids` to `to` that was stopped before its switch: the target's copy
    /// is deleted, the hold let go of and the journal says so. Refused while its mover is
    /// alive; a move past its switch cannot be rolled back (run it again to finish it, then
    /// move the range back).
    pub async fn rollback_move(&self, ids: Range<u64>, to: usize) -> Result<(), Error> {
        let _one_at_a_time = self.inner.moves.lock().await;
        let home = self.server(0).clone();
        journal_ready(&home).await?;
        let open = open_moves(&home).await?;
        let Some(open) = open.into_iter().find(|m| m.ids == ids && m.to == to) else {
            // Nothing open: at most a hold a stopped mover left behind.
            return self.release_shared_range(&ids).await;
        };
        match open.state {
            MoveState::Switched => Err(MoveError::AlreadySwitched {
                start: ids.start,
                end: ids.end,
            }
            .into()),
            MoveState::Copying | MoveState::Abandoned => {
                if self.still_running_after_dying(open.token).await? {
                    return Err(MoveError::StillMoving { name: open.mover }.into());
                }
                self.undo_unswitched(&open).await
            }
        }
    }

    /// The moves the journal holds as not finished, oldest first.
    pub async fn open_moves(&self) -> Result<Vec<OpenMove>, Error> {
        let home = self.server(0);
        journal_ready(home).await?;
        open_moves(home).await
    }

    /// Finishes a switched move: once every process routes by the switch, its source's rows
    /// of the range go. Only while the routes name its target for the range.
    async fn finish_switched(&self, open: &OpenMove) -> Result<(), Error> {
        // The switch may be newer than what this process routes by.
        self.take_in_routes().await?;
        let version = self.routes_version().await?;
        self.wait_for_routes(version).await?;
        self.delete_source(open.token, &open.ids, open.from, open.to)
            .await
    }

    /// Undoes a move stopped before its switch: its copy on the target goes (the routes do
    /// not name the target for its range: nothing there is anyone's), its hold is let go of.
    async fn undo_unswitched(&self, open: &OpenMove) -> Result<(), Error> {
        if self.routes_name(&open.ids, open.to) {
            // Cannot be (the switch changes the journal with the routes); leave it alone.
            return Err(MoveError::AlreadySwitched {
                start: open.ids.start,
                end: open.ids.end,
            }
            .into());
        }
        remove_range(self.server(open.to), &self.partitioned(open.to), &open.ids).await?;
        self.release_shared(open.token).await?;
        roll_back_entry(self.server(0), open.token).await
    }

    /// Deletes the range's rows from `from` and marks the move done — only while the routes
    /// name `to` for it, so nothing is deleted where the routes still point.
    async fn delete_source(
        &self,
        token: u64,
        ids: &Range<u64>,
        from: usize,
        to: usize,
    ) -> Result<(), Error> {
        if !self.routes_name(ids, to) {
            return Err(MoveError::NotOneShard {
                start: ids.start,
                end: ids.end,
            }
            .into());
        }
        remove_range(self.server(from), &self.partitioned(from), ids).await?;
        set_state(self.server(0), token, SWITCHED, DONE).await
    }

    /// After a failure before the switch: the copy goes, the journal says rolled back, the
    /// hold is let go of. Whatever of that fails is left to the next move (the entry holds
    /// nothing then, so it is taken as stopped).
    async fn give_up(&self, token: u64, ids: &Range<u64>, to: usize) {
        let undone = async {
            if !self.routes_name(ids, to) {
                remove_range(self.server(to), &self.partitioned(to), ids).await?;
            }
            self.release_shared(token).await?;
            roll_back_entry(self.server(0), token).await
        };
        if let Err(err) = undone.await {
            tracing::warn!("undoing a stopped range move failed (the next move does it): {err}");
        }
    }

    /// The switch, sent again until its outcome is known: a lost connection may have
    /// committed it. `HoldLost` is final (the switch was refused).
    async fn switch_until_known(
        &self,
        ids: &Range<u64>,
        to: usize,
        token: u64,
    ) -> Result<Option<u64>, Error> {
        let mut pause = Duration::from_millis(50);
        loop {
            match self.switch(ids, to, token).await {
                Ok(version) => return Ok(version),
                Err(Error::Move(MoveError::HoldLost { start, end })) => {
                    // A lost answer to a switch that committed reads as a lost hold when sent
                    // again: the journal tells.
                    let journal = open_moves(self.server(0)).await?;
                    if journal
                        .iter()
                        .any(|m| m.token == token && m.state == MoveState::Switched)
                    {
                        let version = self.routes_version().await?;
                        self.take_in_routes().await?;
                        return Ok(version);
                    }
                    return Err(MoveError::HoldLost { start, end }.into());
                }
                Err(err) => {
                    tracing::warn!(
                        "range move: switching failed, trying again in {pause:?}: {err}"
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
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

    /// Whether the routes in force here send all of `ids` to `shard`.
    fn routes_name(&self, ids: &Range<u64>, shard: usize) -> bool {
        let map = self.inner.map.read().expect("map lock");
        map.iter()
            .filter(|(range, _)| overlaps(range, ids))
            .all(|(_, owner)| *owner == shard)
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
        self.server(shard)
            .registry()
            .metas()
            .filter(|meta| meta.partitioning.is_some())
            .collect()
    }

    async fn copy_and_compare(
        &self,
        ids: &Range<u64>,
        from: usize,
        to: usize,
        progress: &Progress,
    ) -> Result<Vec<(&'static str, u64)>, Error> {
        let (source, target) = (self.server(from), self.server(to));
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
            progress(MoveStep::Copied {
                table: meta.table,
                rows,
            });
            copied.push((meta.table, rows));
        }
        Ok(copied)
    }
}

/// Whether two id ranges share an id.
fn overlaps(a: &Range<u64>, b: &Range<u64>) -> bool {
    a.start < b.end && b.start < a.end
}

/// A switched move that could not finish now, as the caller reads it.
fn not_finished(ids: &Range<u64>, err: Error) -> Error {
    MoveError::NotFinished {
        start: ids.start,
        end: ids.end,
        reason: err.to_string(),
    }
    .into()
}
