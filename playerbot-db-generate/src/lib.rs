//! The entity generator behind `playerbot-db entity`: reads existing tables through
//! [`playerbot_db::catalog`] and prints the Rust entities that describe them, which compile
//! as they are and pass [`check_schema`](playerbot_db::Db::check_schema) against the tables
//! they came from.

mod render;

pub use render::{render_entity, struct_name};

use playerbot_db::catalog::{read_table, table_names};
use playerbot_db::mysql_async::Conn;
use playerbot_db::{Dialect, Error};

/// The source of a module with one entity per table of `tables` (every base table of the
/// connection's current database when empty), in table-name order.
pub async fn entities_source(
    conn: &mut Conn,
    dialect: Dialect,
    tables: &[String],
) -> Result<String, Error> {
    let names = if tables.is_empty() {
        table_names(conn).await?
    } else {
        tables.to_vec()
    };
    let mut out = String::from(
        "//! Entities for existing tables, printed by `playerbot-db entity` from information_schema.\n\
         //! Register them with `Db::builder(url).register::<T>()`; `check_schema` compares them\n\
         //! with the tables.\n\nuse playerbot_db::BotEntity;\n",
    );
    for name in names {
        let table = read_table(conn, &name)
            .await?
            .ok_or_else(|| Error::UnknownTable {
                table: name.clone(),
            })?;
        out.push('\n');
        out.push_str(&render_entity(&table, dialect));
    }
    Ok(out)
}
