//! `playerbot-db migrate`: apply pending migrations, then check the schema.

use std::path::PathBuf;

use crate::error::Error;
use playerbot_db::migrate::Migrator;
use playerbot_db::Db;

pub(crate) async fn run(url: String, dir: Option<PathBuf>, check_only: bool) -> Result<(), Error> {
    let db = Db::builder(url)
        .max_connections(2)
        .register_bot_schema()
        .build()
        .await?;
    if !check_only {
        let migrator = match &dir {
            Some(dir) => Migrator::from_dir(dir)?,
            None => Migrator::builtin(),
        };
        for (name, reason) in migrator.skipped() {
            println!("skipped {name}: {reason}");
        }
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
