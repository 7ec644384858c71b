//! `playerbot-db`: the command-line tool.

mod bench;
mod entity;
mod error;
mod explain;
mod metrics_server;
mod migrate;
mod partitions;
mod shard;
mod simulate;
mod stats;
mod target;
mod zipf;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "playerbot-db",
    version,
    about = "Persistence for MMO player bots on MySQL/MariaDB"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate bots saving and loading through the cache and write-behind queue, then
    /// report and verify that the table holds every bot's last state.
    #[command(after_help = "Examples:
  playerbot-db simulate                              5,000 bots for 60 s on a private embedded server
  playerbot-db simulate --bots 20000 --seconds 30 --plot run.svg --json run.json
  playerbot-db simulate --metrics 9187               and scrape http://127.0.0.1:9187/metrics
  playerbot-db simulate --shards 2 --replicas 1      two shards, each a primary and a replica
  playerbot-db simulate --shards 2 --move 1000..2000:1 --move-after 10
                                                     move bots 1000..2000 to shard 1 mid-run
  playerbot-db simulate --shard-map shards.txt       on your servers; meanwhile, elsewhere:
  playerbot-db shard move --shards shards.txt --range 1000..2000 --to 1
  playerbot-db simulate --url mysql://bots:secret@db.example:3306/")]
    Simulate(SimulateArgs),
    /// Measure our path beside hand-written mysql_async code, in the same process.
    #[command(after_help = "Examples:
  playerbot-db bench                                 every scenario, 20,000 operations a side
  playerbot-db bench --scenarios point_load,single_save --iterations 5000 --json bench.json")]
    Bench(BenchArgs),
    /// Apply pending migrations (the built-in bot schema, or a folder of NNNN_name.sql files)
    /// and check the live schema against the built-in entities.
    #[command(after_help = "Examples:
  playerbot-db migrate --url mysql://bots:secret@127.0.0.1:3306/characters
  playerbot-db migrate --url mysql://bots:secret@127.0.0.1:3306/characters --status
  playerbot-db migrate --url mysql://bots:secret@127.0.0.1:3306/characters --dir migrations/
  playerbot-db migrate                               on a private embedded server")]
    Migrate(MigrateArgs),
    /// List a partitioned bot table's partitions with row counts; optionally add partitions
    /// ahead of the highest id first.
    #[command(after_help = "Examples:
  playerbot-db partitions --url mysql://bots:secret@127.0.0.1:3306/characters --table bot_event
  playerbot-db partitions --url mysql://bots:secret@127.0.0.1:3306/characters --ensure 100000")]
    Partitions(PartitionsArgs),
    /// Print the Rust entity (`#[derive(BotEntity)]` struct) for existing tables, read from
    /// information_schema: every table of the URL's database, or those named.
    #[command(after_help = "Examples:
  playerbot-db entity --url mysql://bots:secret@127.0.0.1:3306/characters --table character_spell
  playerbot-db entity                                the built-in tables, on a private server")]
    Entity(EntityArgs),
    /// Show what an operator watches: table and partition sizes, the InnoDB buffer pool hit
    /// rate, row lock waits and deadlocks, connections, the most expensive statements
    /// (performance_schema) and replication.
    #[command(after_help = "Examples:
  playerbot-db stats --url mysql://bots:secret@127.0.0.1:3306/characters
  playerbot-db stats                                 a fresh private server with the bot schema
  playerbot-db stats --shards shards.txt             every shard, and every replica's lag")]
    Stats(StatsArgs),
    /// Run EXPLAIN for every generated statement of the built-in entities and flag any that is
    /// not a key or index lookup (full scans, filesort, temporary tables); exits 1 when one is.
    #[command(after_help = "Examples:
  playerbot-db explain --url mysql://bots:secret@127.0.0.1:3306/characters
  playerbot-db explain --verbose                     also print every statement's text")]
    Explain(ExplainArgs),
    /// The shard map every process of a cluster follows: show it, move a bot-id range to
    /// another shard while the game keeps writing, or roll back a move that stopped.
    #[command(after_help = "Examples:
  playerbot-db shard show --shards shards.txt
  playerbot-db shard move --shards shards.txt --range 1000..2000 --to 1
  playerbot-db shard rollback --shards shards.txt --range 1000..2000 --to 1

Every process built on the same shard map follows the copy kept on shard 0: a move holds
the game's writes to the range (they wait, up to 5 s each), copies and verifies the rows,
switches the routes for every process, then deletes the range from the old shard. A move
that stopped is finished or restarted by running it again.")]
    Shard {
        #[command(subcommand)]
        action: ShardCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ShardCommand {
    /// Print the routes, the range a move holds, and the processes following the map.
    Show(ShardMapArg),
    /// Move bot ids START..END to another shard.
    Move(ShardMoveArgs),
    /// Undo a move that stopped before its switch (its copy is deleted).
    Rollback(ShardMoveArgs),
}

#[derive(Debug, clap::Args)]
struct ShardMapArg {
    /// The shard map (one `START..END PRIMARY_URL [REPLICA_URL …]` per line); default:
    /// PLAYERBOT_DB_SHARDS.
    #[arg(long)]
    shards: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ShardMoveArgs {
    #[command(flatten)]
    map: ShardMapArg,
    /// The bot ids, START..END (END not included).
    #[arg(long, value_parser = shard::parse_range)]
    range: std::ops::Range<u64>,
    /// The shard they go to (0 is the first line of the map).
    #[arg(long)]
    to: usize,
}

#[derive(Debug, clap::Args)]
struct SimulateArgs {
    /// Server to use (mysql://user:pass@host:port/); default: a private embedded server.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// Bots to simulate.
    #[arg(long, default_value_t = 5_000)]
    bots: u32,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Saves per bot per second.
    #[arg(long, default_value_t = 1)]
    hz: u32,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Draw saves/s, flush lag and queue depth over time and the latency of saves and loads
    /// into this SVG file.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Serve Prometheus metrics on http://ADDR/metrics while running (a bare port listens
    /// on 127.0.0.1).
    #[arg(long, value_parser = metrics_server::parse_address)]
    metrics: Option<std::net::SocketAddr>,
    /// Split the bots over this many embedded primaries by id range.
    #[arg(long, default_value_t = 1)]
    shards: u32,
    /// Give each shard this many embedded replicas (GTID replication); relogins read from
    /// them.
    #[arg(long, default_value_t = 0)]
    replicas: u32,
    /// Move a bot-id range to a shard while the bots play: `START..END:SHARD`
    /// (with --shards 2 or more).
    #[arg(long = "move", value_parser = parse_move)]
    move_range: Option<(std::ops::Range<u64>, usize)>,
    /// Seconds into the run when the move starts.
    #[arg(long, default_value_t = 5)]
    move_after: u64,
    /// Run on the servers of a shard map (one `START..END PRIMARY_URL [REPLICA_URL …]` per
    /// line), in the databases it names, whose bot tables must be empty; other processes
    /// (`playerbot-db shard move`) can move ranges meanwhile.
    #[arg(long, conflicts_with_all = ["url", "shards", "replicas"])]
    shard_map: Option<PathBuf>,
}

/// `1000..2000:1` → (1000..2000, 1).
fn parse_move(text: &str) -> Result<(std::ops::Range<u64>, usize), String> {
    let bad = || format!("{text:?} is not START..END:SHARD, like 1000..2000:1");
    let (range, shard) = text.rsplit_once(':').ok_or_else(bad)?;
    let (start, end) = range.split_once("..").ok_or_else(bad)?;
    let (start, end): (u64, u64) = (
        start.parse().map_err(|_| bad())?,
        end.parse().map_err(|_| bad())?,
    );
    Ok((start..end, shard.parse().map_err(|_| bad())?))
}

#[derive(Debug, clap::Args)]
struct EntityArgs {
    /// Database URL (mysql://user:pass@host:port/database); default: a private embedded
    /// server with the built-in bot schema.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// A table to print (repeat for several); default: every table.
    #[arg(long)]
    table: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct PartitionsArgs {
    /// Database URL (mysql://user:pass@host:port/database); default: a private embedded
    /// server with the built-in bot schema.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// bot_state, bot_event or bot_equipment.
    #[arg(long, default_value = "bot_state")]
    table: String,
    /// Split pmax so partitions reach this many ids past the highest id in use.
    #[arg(long)]
    ensure: Option<u64>,
}

#[derive(Debug, clap::Args)]
struct MigrateArgs {
    /// Database URL (mysql://user:pass@host:port/database); default: a fresh database on a
    /// private embedded server.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// A folder of NNNN_name.sql files instead of the built-in bot schema.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Only compare the live tables with the built-in entities; apply nothing.
    #[arg(long, conflicts_with = "status")]
    check: bool,
    /// List applied and pending migrations; apply nothing.
    #[arg(long)]
    status: bool,
}

#[derive(Debug, clap::Args)]
struct StatsArgs {
    /// Database URL (mysql://user:pass@host:port/database); default: a private embedded
    /// server with the built-in bot schema.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// A shard map (one `START..END PRIMARY_URL [REPLICA_URL …]` per line; or set
    /// PLAYERBOT_DB_SHARDS): every shard's stats and every replica's lag and health.
    #[arg(long, conflicts_with = "url")]
    shards: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ExplainArgs {
    /// Database URL (mysql://user:pass@host:port/database); default: a private embedded
    /// server with the built-in bot schema.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// Print every statement's text, not only the flagged ones.
    #[arg(long)]
    verbose: bool,
}

#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// Server to use (mysql://user:pass@host:port/); default: a private embedded server.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Scenarios to run (comma-separated); default: all.
    #[arg(long, value_delimiter = ',')]
    scenarios: Vec<bench::Scenario>,
    /// Timed operations per side and scenario.
    #[arg(long, default_value_t = 20000)]
    iterations: usize,
    /// Database to create for the run (dropped at the end).
    #[arg(long, default_value = "playerbot_bench")]
    database: String,
    /// How our bulk saves send rows: auto, bulk-execute (MariaDB) or multi-row.
    #[arg(long, value_enum, default_value = "auto")]
    bulk_mode: BulkModeArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BulkModeArg {
    Auto,
    BulkExecute,
    MultiRow,
}

impl From<BulkModeArg> for playerbot_db::BulkMode {
    fn from(mode: BulkModeArg) -> Self {
        match mode {
            BulkModeArg::Auto => playerbot_db::BulkMode::Auto,
            BulkModeArg::BulkExecute => playerbot_db::BulkMode::BulkExecute,
            BulkModeArg::MultiRow => playerbot_db::BulkMode::MultiRow,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print as clap formats them; a usage error is one line.
        Err(err) if err.use_stderr() => {
            eprintln!("{} (see --help)", one_line(&err.to_string()));
            return ExitCode::from(2);
        }
        Err(err) => err.exit(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Simulate(args) => {
                simulate::run(simulate::Options {
                    url: args.url,
                    bots: args.bots,
                    seconds: args.seconds,
                    hz: args.hz,
                    json: args.json,
                    plot: args.plot,
                    metrics: args.metrics,
                    shards: args.shards,
                    replicas: args.replicas,
                    move_range: args.move_range,
                    move_after: args.move_after,
                    shard_map: args.shard_map,
                })
                .await
            }
            Command::Bench(args) => {
                bench::run(bench::Options {
                    url: args.url,
                    json: args.json,
                    scenarios: args.scenarios,
                    iterations: args.iterations,
                    database: args.database,
                    bulk_mode: args.bulk_mode.into(),
                })
                .await
            }
            Command::Migrate(args) => {
                migrate::run(migrate::Options {
                    url: args.url,
                    dir: args.dir,
                    check_only: args.check,
                    status: args.status,
                })
                .await
            }
            Command::Stats(args) => stats::run(args.url, args.shards).await,
            Command::Explain(args) => explain::run(args.url, args.verbose).await,
            Command::Partitions(args) => partitions::run(args.url, &args.table, args.ensure).await,
            Command::Entity(args) => entity::run(args.url, args.table).await,
            Command::Shard { action } => {
                let (map, action) = match action {
                    ShardCommand::Show(map) => (map, shard::Action::Show),
                    ShardCommand::Move(args) => (
                        args.map,
                        shard::Action::Move {
                            range: args.range,
                            to: args.to,
                        },
                    ),
                    ShardCommand::Rollback(args) => (
                        args.map,
                        shard::Action::Rollback {
                            range: args.range,
                            to: args.to,
                        },
                    ),
                };
                shard::run(map.shards, action).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", one_line(&err.to_string()));
            ExitCode::FAILURE
        }
    }
}

/// An error as one line: its lines joined, clap's "For more information" hint left out.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join(" | ")
}
