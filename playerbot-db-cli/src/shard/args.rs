//! `playerbot-db shard`'s actions and flags, and the shard map they name.

use std::ops::Range;
use std::path::PathBuf;

use playerbot_db::cluster::Topology;

use crate::error::Error;

/// The shard map every process of a cluster follows: show it, move a bot-id range to
/// another shard while the game keeps writing, or roll back a move that stopped.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  playerbot-db shard show --shards shards.txt
  playerbot-db shard move --shards shards.txt --range 1000..2000 --to 1
  playerbot-db shard rollback --shards shards.txt --range 1000..2000 --to 1

Every process built on the same shard map follows the copy kept on shard 0: a move holds
the game's writes to the range (they wait, up to 5 s each), copies and verifies the rows,
switches the routes for every process, then deletes the range from the old shard. A move
that stopped is finished or restarted by running it again.")]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) action: Action,
}

/// What `playerbot-db shard` does.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Action {
    /// Print the routes, the range a move holds, and the processes following the map.
    Show(MapArg),
    /// Move bot ids START..END to another shard.
    Move(MoveArgs),
    /// Undo a move that stopped before its switch (its copy is deleted).
    Rollback(MoveArgs),
}

/// `--shards`: the shard map every action works on.
#[derive(Debug, clap::Args)]
pub(crate) struct MapArg {
    /// The shard map (one `START..END PRIMARY_URL [REPLICA_URL …]` per line); default:
    /// PLAYERBOT_DB_SHARDS.
    #[arg(long)]
    shards: Option<PathBuf>,
}

/// The flags of `shard move` and `shard rollback`.
#[derive(Debug, clap::Args)]
pub(crate) struct MoveArgs {
    #[command(flatten)]
    map: MapArg,
    /// The bot ids, START..END (END not included).
    #[arg(long, value_parser = parse_range)]
    pub(crate) range: Range<u64>,
    /// The shard they go to (0 is the first line of the map).
    #[arg(long)]
    pub(crate) to: usize,
}

impl Action {
    /// The shard map the action works on.
    pub(crate) fn map(&self) -> &MapArg {
        match self {
            Action::Show(map) => map,
            Action::Move(args) | Action::Rollback(args) => &args.map,
        }
    }
}

impl MapArg {
    /// The topology of the file `--shards` names, else of PLAYERBOT_DB_SHARDS.
    pub(crate) fn topology(&self) -> Result<Topology, Error> {
        match &self.shards {
            Some(path) => Ok(Topology::from_file(path)?),
            None => match Topology::from_env() {
                Some(topology) => Ok(topology.map_err(playerbot_db::Error::from)?),
                None => Err(Error::Usage(
                    "name the shard map with --shards FILE or PLAYERBOT_DB_SHARDS".into(),
                )),
            },
        }
    }
}

/// `1000..2000` → 1000..2000.
fn parse_range(text: &str) -> Result<Range<u64>, String> {
    let bad = || format!("{text:?} is not START..END, like 1000..2000");
    let (start, end) = text.split_once("..").ok_or_else(bad)?;
    let start: u64 = start.parse().map_err(|_| bad())?;
    let end: u64 = end.parse().map_err(|_| bad())?;
    if start >= end {
        return Err(format!("{text:?} is empty: END must be above START"));
    }
    Ok(start..end)
}
