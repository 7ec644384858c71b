//! What every connection runs once it is open, so all sessions behave alike whatever the
//! server's configuration says.

use mysql_async::{Opts, OptsBuilder};
pub use playerbot_db_sql::session::{setup_statements, STRICT_SQL_MODE};

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

/// `USE` for a database name from the configuration. `None` for a name the server could not
/// have.
pub(crate) fn use_database_sql(name: &str) -> Option<String> {
    let name = playerbot_db_sql::Name::new("database", name).ok()?;
    Some(playerbot_db_sql::session::use_database(&name))
}
