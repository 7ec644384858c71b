//! `playerbot-db partitions`: show (and extend) a bot table's RANGE partitions.

use playerbot_db::bots::{BotEvent, BotState, Equipment};
use playerbot_db::{BotEntity, Db};

use crate::error::Error;
use crate::target::command_db;

/// List a partitioned bot table's partitions with row counts; optionally add partitions
/// ahead of the highest id first.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  playerbot-db partitions --url mysql://bots:secret@127.0.0.1:3306/characters --table bot_event
  playerbot-db partitions --url mysql://bots:secret@127.0.0.1:3306/characters --ensure 100000")]
pub(crate) struct Args {
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

pub(crate) async fn run(args: Args) -> Result<(), Error> {
    let (_target, db) = command_db(args.url, true).await?;
    match args.table.as_str() {
        "bot_state" => show::<BotState>(&db, args.ensure).await,
        "bot_event" => show::<BotEvent>(&db, args.ensure).await,
        "bot_equipment" => show::<Equipment>(&db, args.ensure).await,
        other => Err(Error::Usage(format!(
            "{other} is not a partitioned bot table; use bot_state, bot_event or bot_equipment"
        ))),
    }
}

async fn show<E: BotEntity>(db: &Db, ensure: Option<u64>) -> Result<(), Error> {
    if let Some(headroom) = ensure {
        let added = db.ensure_partitions::<E>(headroom).await?;
        println!(
            "added {} partitions{}",
            added.len(),
            if added.is_empty() {
                String::new()
            } else {
                format!(": {}", added.join(", "))
            }
        );
    }
    println!(
        "{:<8} {:>12} {:>12} {:>10}",
        "name", "from id", "below id", "rows"
    );
    for partition in db.partitions::<E>().await? {
        let upper = partition
            .upper
            .map_or_else(|| "MAXVALUE".to_owned(), |upper| upper.to_string());
        println!(
            "{:<8} {:>12} {:>12} {:>10}",
            partition.name, partition.lower, upper, partition.rows
        );
    }
    Ok(())
}
