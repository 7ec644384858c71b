//! `playerbot-db migrate`: apply pending migrations, then check the schema; or, with
//! `--status`, list applied and pending files and change nothing.

use std::path::PathBuf;

use playerbot_db::migrate::Migrator;
use playerbot_db::Db;

use crate::error::Error;
use crate::target::command_db;

pub(crate) struct Options {
    pub(crate) url: Option<String>,
    pub(crate) dir: Option<PathBuf>,
    pub(crate) check_only: bool,
    pub(crate) status: bool,
}

pub(crate) async fn run(options: Options) -> Result<(), Error> {
    let (_target, db) = command_db(options.url, false).await?;
    let migrator = match &options.dir {
        Some(dir) => Migrator::from_dir(dir)?,
        None => Migrator::builtin(),
    };
    for (name, reason) in migrator.skipped() {
        println!("skipped {name}: {reason}");
    }
    if options.status {
        return status(&db, &migrator).await;
    }
    if !options.check_only {
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
