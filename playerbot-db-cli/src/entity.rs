//! `playerbot-db entity`: prints the Rust entities for existing tables.

use crate::error::Error;
use playerbot_db::generate::entities_source;
use playerbot_db::mysql_async::Conn;
use playerbot_db::session::connect_opts;
use playerbot_db::ServerFlavor;

pub(crate) async fn run(url: String, tables: Vec<String>) -> Result<(), Error> {
    let opts = connect_opts(&url, None).map_err(playerbot_db::mysql_async::Error::from)?;
    let mut conn = Conn::new(opts).await?;
    let dialect = ServerFlavor::detect(&mut conn).await?.dialect();
    let source = entities_source(&mut conn, dialect, &tables).await?;
    print!("{source}");
    conn.disconnect().await?;
    Ok(())
}
