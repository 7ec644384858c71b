//! `playerbot-db bench`'s flags, and the scenarios and bulk mode they choose.

use std::path::PathBuf;

use playerbot_db::BulkMode;

use super::Scenario;

/// Measure our path beside hand-written mysql_async code, in the same process.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  playerbot-db bench                                 every scenario, 20,000 operations a side
  playerbot-db bench --scenarios point_load,single_save --iterations 5000 --json bench.json")]
pub(crate) struct Args {
    /// Server to use (mysql://user:pass@host:port/); default: a private embedded server.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    pub(crate) url: Option<String>,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// Scenarios to run (comma-separated); default: all.
    #[arg(long, value_delimiter = ',')]
    scenarios: Vec<Scenario>,
    /// Timed operations per side and scenario.
    #[arg(long, default_value_t = 20000)]
    pub(crate) iterations: usize,
    /// Database to create for the run (dropped at the end).
    #[arg(long, default_value = "playerbot_bench")]
    pub(crate) database: String,
    /// Keep the embedded server's data in memory (under /dev/shm, when the machine has it):
    /// no disk flush per commit hides what our own code costs.
    #[arg(long)]
    pub(crate) tmpfs: bool,
    /// How our bulk saves send rows: auto, bulk-execute (MariaDB) or multi-row.
    #[arg(long, value_enum, default_value = "auto")]
    bulk_mode: BulkModeArg,
}

impl Args {
    /// The scenarios `--scenarios` names, or every one when it names none.
    pub(crate) fn chosen(&self) -> Vec<Scenario> {
        if self.scenarios.is_empty() {
            Scenario::ALL.to_vec()
        } else {
            self.scenarios.clone()
        }
    }

    /// The library's mode for `--bulk-mode`.
    pub(crate) fn bulk_mode(&self) -> BulkMode {
        match self.bulk_mode {
            BulkModeArg::Auto => BulkMode::Auto,
            BulkModeArg::BulkExecute => BulkMode::BulkExecute,
            BulkModeArg::MultiRow => BulkMode::MultiRow,
        }
    }
}

/// `--bulk-mode`'s values, spelled as on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BulkModeArg {
    Auto,
    BulkExecute,
    MultiRow,
}
