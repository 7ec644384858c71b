//! `playerbot-db entity`: prints the Rust entities for existing tables.

use playerbot_db_generate::entities_source;

use crate::error::Error;
use crate::target::command_db;

/// Print the Rust entity (`#[derive(BotEntity)]` struct) for existing tables, read from
/// information_schema: every table of the URL's database, or those named.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  playerbot-db entity --url mysql://bots:secret@127.0.0.1:3306/characters --table character_spell
  playerbot-db entity                                the built-in tables, on a private server")]
pub(crate) struct Args {
    /// Database URL (mysql://user:pass@host:port/database); default: a private embedded
    /// server with the built-in bot schema.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// A table to print (repeat for several); default: every table.
    #[arg(long)]
    table: Vec<String>,
}

pub(crate) async fn run(args: Args) -> Result<(), Error> {
    let (_target, db) = command_db(args.url, true).await?;
    let mut conn = db.conn().await?;
    let dialect = conn.dialect();
    let source = entities_source(&mut conn, dialect, &args.table).await?;
    print!("{source}");
    drop(conn);
    db.close().await;
    Ok(())
}
