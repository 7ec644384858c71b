//! Driver options for a raw connection to a test server, set up as the library sets up its
//! own (strict SQL mode, utf8mb4): for test fixtures and hand-written baselines.

use mysql_async::{Conn, Opts, OptsBuilder};
use playerbot_db_sql::session::setup_statements;

use crate::{EmbeddedError, EmbeddedServer};

/// Driver options for `url` with the library's session setup and, when given, a default
/// database.
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

/// A root connection to `server` over TCP, for the harness's own setup and checks.
pub(crate) async fn connect(server: &EmbeddedServer) -> Result<Conn, EmbeddedError> {
    let opts = Opts::from_url(&server.url()).map_err(|err| EmbeddedError::Sql {
        action: "reading its URL",
        port: server.port(),
        source: err.into(),
    })?;
    // The URL names TCP on 127.0.0.1; the driver would otherwise move to a socket.
    let opts = OptsBuilder::from_opts(opts).prefer_socket(false);
    Conn::new(opts)
        .await
        .map_err(sql_error(server, "connecting"))
}

pub(crate) fn sql_error(
    server: &EmbeddedServer,
    action: &'static str,
) -> impl FnOnce(mysql_async::Error) -> EmbeddedError {
    let port = server.port();
    move |source| EmbeddedError::Sql {
        action,
        port,
        source,
    }
}
