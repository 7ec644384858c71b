//! `playerbot-db`: the command-line tool.

mod bench;
mod entity;
mod error;
mod migrate;
mod partitions;
mod simulate;
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
    /// report and verify the table holds every bot's last state. Runs on a private embedded
    /// server unless --url names one. Example: `playerbot-db simulate --bots 5000 --seconds 60`
    Simulate(SimulateArgs),
    /// Measure our path beside hand-written mysql_async code, in the same process.
    Bench(BenchArgs),
    /// Apply pending migrations (the built-in bot schema, or a folder of NNNN_name.sql files)
    /// and check the live schema against the built-in entities.
    Migrate(MigrateArgs),
    /// List a partitioned bot table's partitions with row counts; optionally add partitions
    /// ahead of the highest id first.
    Partitions(PartitionsArgs),
    /// Print the Rust entity (`#[derive(BotEntity)]` struct) for existing tables, read from
    /// information_schema: every table of the URL's database, or those named.
    Entity(EntityArgs),
}

#[derive(Debug, clap::Args)]
struct SimulateArgs {
    /// Server to use (mysql://user:pass@host:port/); default: a private embedded server.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// Bots to simulate.
    #[arg(long, default_value_t = 5_000)]
    bots: u32,
    /// How long to run.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Saves per bot per second.
    #[arg(long, default_value_t = 1)]
    hz: u32,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct EntityArgs {
    /// Database URL (mysql://user:pass@host:port/database).
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: String,
    /// A table to print (repeat for several); default: every table.
    #[arg(long)]
    table: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct PartitionsArgs {
    /// Database URL (mysql://user:pass@host:port/database).
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: String,
    /// bot_state, bot_event or bot_equipment.
    #[arg(long, default_value = "bot_state")]
    table: String,
    /// Split pmax so partitions reach this many ids past the highest id in use.
    #[arg(long)]
    ensure: Option<u64>,
}

#[derive(Debug, clap::Args)]
struct MigrateArgs {
    /// Database URL (mysql://user:pass@host:port/database).
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: String,
    /// A folder of NNNN_name.sql files instead of the built-in bot schema.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Only compare the live tables with the built-in entities; apply nothing.
    #[arg(long)]
    check: bool,
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
    let cli = Cli::parse();
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
            Command::Migrate(args) => migrate::run(args.url, args.dir, args.check).await,
            Command::Partitions(args) => partitions::run(args.url, &args.table, args.ensure).await,
            Command::Entity(args) => entity::run(args.url, args.table).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
