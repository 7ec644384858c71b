//! `playerbot-db simulate`'s flags, and the figures the run derives from them.

use std::net::SocketAddr;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

/// Simulate bots saving and loading through the cache and write-behind queue, then
/// report and verify that the table holds every bot's last state.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  playerbot-db simulate                              5,000 bots for 60 s on a private embedded server
  playerbot-db simulate --bots 20000 --seconds 30 --plot run.svg --json run.json
  playerbot-db simulate --metrics 9187               and scrape http://127.0.0.1:9187/metrics
  playerbot-db simulate --shards 2 --replicas 1      two shards, each a primary and a replica
  playerbot-db simulate --shards 2 --move 1000..2000:1 --move-after 10
                                                     move bots 1000..2000 to shard 1 mid-run
  playerbot-db simulate --galera 3 --kill-node-after 10
                                                     on a 3-node Galera cluster; its writer killed at 10 s
  playerbot-db simulate --shard-map shards.txt       on your servers; meanwhile, elsewhere:
  playerbot-db shard move --shards shards.txt --range 1000..2000 --to 1
  playerbot-db simulate --url mysql://bots:secret@db.example:3306/")]
pub(crate) struct Args {
    /// Server to use (mysql://user:pass@host:port/); default: a private embedded server.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    pub(crate) url: Option<String>,
    /// Bots to simulate.
    #[arg(long, default_value_t = 5_000)]
    pub(crate) bots: u32,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 60)]
    pub(crate) seconds: u64,
    /// Saves per bot per second.
    #[arg(long, default_value_t = 1)]
    pub(crate) hz: u32,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// Draw saves/s, flush lag and queue depth over time and the latency of saves and loads
    /// into this SVG file.
    #[arg(long)]
    pub(crate) plot: Option<PathBuf>,
    /// Serve Prometheus metrics on http://ADDR/metrics while running (a bare port listens
    /// on 127.0.0.1).
    #[arg(long, value_parser = crate::metrics_server::parse_address)]
    pub(crate) metrics: Option<SocketAddr>,
    /// Split the bots over this many embedded primaries by id range.
    #[arg(long, default_value_t = 1)]
    pub(crate) shards: u32,
    /// Give each shard this many embedded replicas (GTID replication); relogins read from
    /// them.
    #[arg(long, default_value_t = 0)]
    pub(crate) replicas: u32,
    /// Move a bot-id range to a shard while the bots play: `START..END:SHARD`
    /// (with --shards 2 or more).
    #[arg(long = "move", value_parser = parse_move)]
    pub(crate) move_range: Option<(Range<u64>, usize)>,
    /// Seconds into the run when the move starts.
    #[arg(long, default_value_t = 5)]
    pub(crate) move_after: u64,
    /// Run on the servers of a shard map (one `START..END PRIMARY_URL [REPLICA_URL …]` per
    /// line), in the databases it names, whose bot tables must be empty; other processes
    /// (`playerbot-db shard move`) can move ranges meanwhile.
    #[arg(long, conflicts_with_all = ["url", "shards", "replicas"])]
    pub(crate) shard_map: Option<PathBuf>,
    /// Run on an embedded Galera cluster of this many nodes (one shard; writes go to one
    /// synced node at a time).
    #[arg(long, conflicts_with_all = ["url", "shards", "replicas", "shard_map"])]
    pub(crate) galera: Option<usize>,
    /// Seconds into the run when the writer node is killed (SIGKILL); with --galera.
    #[arg(long, requires = "galera")]
    pub(crate) kill_node_after: Option<u64>,
}

impl Args {
    /// How long the game loop runs.
    pub(crate) fn run_time(&self) -> Duration {
        Duration::from_secs(self.seconds)
    }

    /// Ticks of the game loop in the whole run: one save per bot each.
    pub(crate) fn ticks(&self) -> u64 {
        self.seconds * u64::from(self.hz)
    }

    /// One tick of the game loop (`--hz` is at least 1 by the time this is asked).
    pub(crate) fn tick_len(&self) -> Duration {
        Duration::from_secs(1) / self.hz
    }

    /// How long into the run the `--move` starts.
    pub(crate) fn move_delay(&self) -> Duration {
        Duration::from_secs(self.move_after)
    }
}

/// `1000..2000:1` → (1000..2000, 1).
fn parse_move(text: &str) -> Result<(Range<u64>, usize), String> {
    let bad = || format!("{text:?} is not START..END:SHARD, like 1000..2000:1");
    let (range, shard) = text.rsplit_once(':').ok_or_else(bad)?;
    let (start, end) = range.split_once("..").ok_or_else(bad)?;
    let (start, end): (u64, u64) = (
        start.parse().map_err(|_| bad())?,
        end.parse().map_err(|_| bad())?,
    );
    Ok((start..end, shard.parse().map_err(|_| bad())?))
}
