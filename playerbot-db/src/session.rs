//! What every connection runs once it is open, so all sessions behave alike whatever the
//! server's configuration says.

pub(crate) use playerbot_db_sql::session::setup_statements;

/// `USE` for a database name from the configuration. `None` for a name the server could not
/// have.
pub(crate) fn use_database_sql(name: &str) -> Option<String> {
    let name = playerbot_db_sql::Name::new("database", name).ok()?;
    Some(playerbot_db_sql::session::use_database(&name))
}
