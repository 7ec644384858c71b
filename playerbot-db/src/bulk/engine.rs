//! Tables whose storage engine cannot roll back: a bulk save there cannot be all or nothing.

use mysql_async::prelude::Queryable;

use crate::error::Context;
use crate::pool::{statement, ServerConn};
use crate::Error;

/// Engines whose writes a `ROLLBACK` does not undo (upper case).
const NON_TRANSACTIONAL: [&str; 8] = [
    "MYISAM",
    "ARIA",
    "MEMORY",
    "HEAP",
    "CSV",
    "ARCHIVE",
    "MRG_MYISAM",
    "BLACKHOLE",
];

/// For an existing `table`: `Some(Some(engine))` when its engine cannot roll back,
/// `Some(None)` when it can. `None` when the table does not exist (the save then fails with
/// the server's error).
pub(super) async fn non_transactional_engine(
    conn: &mut ServerConn,
    table: &'static str,
) -> Result<Option<Option<String>>, Error> {
    let context = || Context {
        statement: Some("table engine"),
        ..Context::default()
    };
    let engine: Option<Option<String>> = statement!(conn, context, |c| c.exec_first(
        "SELECT ENGINE FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        (table,)
    ))?;
    Ok(engine.map(|engine| {
        engine.filter(|engine| NON_TRANSACTIONAL.contains(&engine.to_ascii_uppercase().as_str()))
    }))
}
