//! `playerbot-db migrate`: apply pending migrations, then check the schema; or, with
//! `--status`, list applied and pending files and change nothing.

use std::path::PathBuf;

use playerbot_db::migrate::Migrator;
use playerbot_db::Db;

use crate::error::Error;
use crate::target::command_db;

/// Apply pending migrations (the built-in bot schema, or a folder of NNNN_name.sql files)
/// and check the live schema against the built-in entities.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  playerbot-db migrate --url mysql://bots:secret@127.0.0.1:3306/characters
  playerbot-db migrate --url mysql://bots:secret@127.0.0.1:3306/characters --status
  playerbot-db migrate --url mysql://bots:secret@127.0.0.1:3306/characters --dir migrations/
  playerbot-db migrate                               on a private embedded server")]
pub(crate) struct Args {
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

pub(crate) async fn run(args: Args) -> Result<(), Error> {
    let (_target, db) = command_db(args.url, false).await?;
    let migrator = match &args.dir {
        Some(dir) => Migrator::from_dir(dir)?,
        None => Migrator::builtin(),
    };
    for (name, reason) in migrator.skipped() {
        println!("skipped {name}: {reason}");
    }
    if args.status {
        return status(&db, &migrator).await;
    }
    if !args.check {
        let report = migrator.run(&db).await?;
        for (name, took) in &report.applied {
            println!("applied {name} in {took:?}");
        }
        println!(
            "{} applied now, {} already applied",
            report.applied.len(),
            report.already_applied
        );
        for name in &report.unknown_in_history {
            println!("note: {name} is in the history but has no file");
        }
    }
    check(&db).await
}

async fn status(db: &Db, migrator: &Migrator) -> Result<(), Error> {
    let status = migrator.status(db).await?;
    for (name, unchanged) in &status.applied {
        let note = if *unchanged {
            ""
        } else {
            "  (CHANGED since it was applied)"
        };
        println!("applied  {name}{note}");
    }
    for name in &status.pending {
        println!("pending  {name}");
    }
    for name in &status.unknown_in_history {
        println!("unknown  {name}  (in the history, no file)");
    }
    println!(
        "{} applied, {} pending",
        status.applied.len(),
        status.pending.len()
    );
    match status.applied.iter().find(|(_, unchanged)| !unchanged) {
        Some((name, _)) => Err(Error::Failed(format!(
            "migration {name} changed after it was applied; add a new migration instead"
        ))),
        None => Ok(()),
    }
}

/// Compares the live tables with the built-in entities.
async fn check(db: &Db) -> Result<(), Error> {
    let differences = db.check_schema().await?;
    if differences.is_empty() {
        println!("schema matches the built-in entities");
        return Ok(());
    }
    for (entity, list) in &differences {
        for difference in list {
            println!("{entity}: {difference}");
        }
    }
    Err(Error::Failed(format!(
        "{} tables differ from their entities",
        differences.len()
    )))
}
