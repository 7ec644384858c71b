//! `playerbot-db entity`: prints the Rust entities for existing tables.

use playerbot_db_generate::entities_source;

use crate::error::Error;
use crate::target::command_db;

pub(crate) async fn run(url: Option<String>, tables: Vec<String>) -> Result<(), Error> {
    let (_target, db) = command_db(url, true).await?;
    let mut conn = db.conn().await?;
    let dialect = conn.dialect();
    let source = entities_source(&mut conn, dialect, &tables).await?;
    print!("{source}");
    drop(conn);
    db.close().await;
    Ok(())
}
