//! `playerbot-db`: the command-line tool.

mod bench;
mod target;

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
    /// Measure our path beside hand-written mysql_async code, in the same process.
    Bench(BenchArgs),
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
    scenarios: Vec<String>,
    /// Timed operations per side and scenario.
    #[arg(long, default_value_t = 10000)]
    iterations: usize,
    /// Database to create for the run (dropped at the end).
    #[arg(long, default_value = "playerbot_bench")]
    database: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Bench(args) => {
                bench::run(bench::Options {
                    url: args.url,
                    json: args.json,
                    scenarios: args.scenarios,
                    iterations: args.iterations,
                    database: args.database,
                })
                .await
            }
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
