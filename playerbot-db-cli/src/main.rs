//! `playerbot-db`: the command-line tool.

mod bench;
mod entity;
mod error;
mod explain;
mod galera;
mod metrics_server;
mod migrate;
mod partitions;
mod shard;
mod simulate;
mod stats;
mod target;
mod zipf;

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

/// The subcommands; each module defines its flags, its `--help` text and its `run`.
#[derive(Debug, Subcommand)]
enum Command {
    Simulate(simulate::Args),
    Bench(bench::Args),
    Migrate(migrate::Args),
    Partitions(partitions::Args),
    Entity(entity::Args),
    Stats(stats::Args),
    Explain(explain::Args),
    Shard(shard::Args),
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
            Command::Simulate(args) => simulate::run(args).await,
            Command::Bench(args) => bench::run(args).await,
            Command::Migrate(args) => migrate::run(args).await,
            Command::Partitions(args) => partitions::run(args).await,
            Command::Entity(args) => entity::run(args).await,
            Command::Stats(args) => stats::run(args).await,
            Command::Explain(args) => explain::run(args).await,
            Command::Shard(args) => shard::run(args).await,
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
