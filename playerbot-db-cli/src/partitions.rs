//! `playerbot-db partitions`: show (and extend) a bot table's RANGE partitions.

use playerbot_db::bots::{BotEvent, BotState, Equipment};
use playerbot_db::{BotEntity, Db};

use crate::error::Error;
use crate::target::command_db;

pub(crate) async fn run(
    url: Option<String>,
    table: &str,
    ensure: Option<u64>,
) -> Result<(), Error> {
    let (_target, db) = command_db(url, true).await?;
    match table {
        "bot_state" => show::<BotState>(&db, ensure).await,
        "bot_event" => show::<BotEvent>(&db, ensure).await,
        "bot_equipment" => show::<Equipment>(&db, ensure).await,
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
