//! What every connection runs once it is open, so all sessions behave alike whatever the
//! server's configuration says.

use mysql_async::{Opts, OptsBuilder};

/// Strict mode on every session: a bad value is an error, never a silent truncation.
pub const STRICT_SQL_MODE: &str =
    "STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION";

/// Statements run on each new connection: strict SQL mode, utf8mb4 both ways, and UTC, so a
/// TIMESTAMP reads as the same instant whatever the server's zone (unix seconds need it).
pub fn setup_statements() -> Vec<String> {
    vec![
        format!("SET SESSION sql_mode = '{STRICT_SQL_MODE}', time_zone = '+00:00'"),
        "SET NAMES utf8mb4 COLLATE utf8mb4_bin".to_owned(),
    ]
}

/// Driver options for `url` with the session setup applied and, when given, a default database.
///
/// `prefer_socket` is turned off: the driver would otherwise move a TCP URL for 127.0.0.1 to
/// the server's unix socket without saying so, and a URL should mean what it says.
pub fn connect_opts(url: &str, database: Option<&str>) -> Result<Opts, mysql_async::UrlError> {
    let opts = Opts::from_url(url)?;
    let mut builder = OptsBuilder::from_opts(opts)
        .prefer_socket(false)
        .setup(setup_statements());
    if let Some(database) = database {
        builder = builder.db_name(Some(database));
    }
    Ok(builder.into())
}

/// `USE` for a database name from the configuration: at most 64 characters, no NUL, any
/// backtick doubled. `None` for a name the server could not have.
pub(crate) fn use_database_sql(name: &str) -> Option<String> {
    if name.is_empty() || name.chars().count() > 64 || name.contains('\0') {
        return None;
    }
    Some(format!("USE {}", crate::ident::quoted(name)))
}
