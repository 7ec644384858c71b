//! The failures of a cluster: [`MoveError`] (a range move refused or stopped) and
//! [`TopologyError`] (a shard map refused). They live here, beside [`Error`](super::Error)
//! that wraps them, so that the root error does not name the `cluster` module; `cluster`
//! re-exports them.

use std::time::Duration;

/// Why a move was refused or stopped. Nothing was switched when it is returned, except as
/// said for [`MoveError::NotFinished`].
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
    /// The move's hold was let go of before its switch (its mover was taken for dead: silent
    /// and its process lock free); nothing was switched, and the writes went on to the
    /// source. Run it again.
    #[error("the hold of bot ids {start}..{end} was let go of before the switch; nothing was switched: run the move again")]
    HoldLost {
        /// The range's first id.
        start: u64,
        /// Its end.
        end: u64,
    },
    /// The move switched, and what comes after (every process taking in the new routes,
    /// then deleting the source's rows) could not be done now; reads and writes already go to
    /// the target. Run the move again to finish it.
    #[error("bot ids {start}..{end} are switched to their new shard, but the source's rows are not deleted yet ({reason}); run the move again to finish it")]
    NotFinished {
        /// The range's first id.
        start: u64,
        /// Its end.
        end: u64,
        /// Why it stopped.
        reason: String,
    },
}

/// Why a topology was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopologyError {
    /// No shard at all.
    #[error("a topology needs at least one shard")]
    Empty,
    /// Ranges must follow each other from 0 without a gap or an overlap.
    #[error("shard {index} starts at id {start}, but the shards before it end at {expected}: ranges must follow each other from 0 without gaps or overlaps")]
    NotContiguous {
        /// The shard's position.
        index: usize,
        /// Where it starts.
        start: u64,
        /// Where it should start.
        expected: u64,
    },
    /// The shard map shared on the first shard routes ids to a shard this topology lacks.
    #[error("the shared shard map routes ids from {start} to shard {shard}, but this topology has {shards} shards")]
    SharedRoutes {
        /// The range's first id.
        start: u64,
        /// The shard it names.
        shard: usize,
        /// The shards this topology has.
        shards: usize,
    },
    /// A Galera shard with fewer than three nodes, not marked as meant.
    #[error("shard {index} is a Galera cluster of {nodes} node(s): a cluster needs three to keep taking writes when one is lost (two cannot keep a primary component); add nodes, or say the small cluster is meant (`GaleraSpec::allow_fewer_than_three`, `galera:allow-small` in the text form)")]
    GaleraTooSmall {
        /// The shard's position.
        index: usize,
        /// Its nodes.
        nodes: usize,
    },
    /// A line of the text form did not parse.
    #[error("shard map line {line}: {problem}; the form is `0..50000 mysql://primary/db [mysql://replica/db …]`")]
    BadLine {
        /// The 1-based line (or `;`-separated entry) number.
        line: usize,
        /// What was wrong with it.
        problem: String,
    },
}
