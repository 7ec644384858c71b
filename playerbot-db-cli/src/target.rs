//! The server a command works on: the one `--url` names, or a private embedded one.

use playerbot_db::migrate::Migrator;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::sql::{admin, Name};
use playerbot_db::{Db, DbBuilder, DbUrl};
use playerbot_db_embedded::connect_opts;
use playerbot_db_embedded::{EmbeddedServer, ServerBuilder};

use crate::error::Error;

#[derive(Debug)]
pub(crate) struct Target {
    /// The server URL without a database.
    pub(crate) server_url: DbUrl,
    /// Keeps the embedded server alive for as long as the target lives.
    _embedded: Option<EmbeddedServer>,
}

impl Target {
    pub(crate) async fn open(url: Option<String>) -> Result<Target, Error> {
        Target::open_with(url, EmbeddedServer::builder()).await
    }

    /// Like [`open`](Self::open), an embedded server started as `embedded` says.
    pub(crate) async fn open_with(
        url: Option<String>,
        embedded: ServerBuilder,
    ) -> Result<Target, Error> {
        match url {
            Some(url) => Ok(Target {
                server_url: DbUrl::new(url),
                _embedded: None,
            }),
            None => {
                let in_memory = embedded.is_in_memory();
                let server = embedded.start().await?;
                let place = if in_memory { ", data in memory" } else { "" };
                eprintln!(
                    "started an embedded server on 127.0.0.1:{}{place}",
                    server.port()
                );
                Ok(Target {
                    server_url: DbUrl::new(server.url()),
                    _embedded: Some(server),
                })
            }
        }
    }

    /// The server `url` names, kept alive elsewhere.
    pub(crate) fn with_server(url: String) -> Target {
        Target {
            server_url: DbUrl::new(url),
            _embedded: None,
        }
    }

    /// A builder for a [`playerbot_db::Db`] on `database` of this server.
    pub(crate) fn builder(&self, database: &str) -> DbBuilder {
        playerbot_db::Db::builder(self.server_url.expose()).database(database)
    }

    /// Creates (or empties) `database`.
    pub(crate) async fn fresh_database(&self, database: &str) -> Result<(), Error> {
        let name = database_name(database)?;
        self.admin(&[admin::drop_database(&name), admin::create_database(&name)])
            .await
    }

    pub(crate) async fn drop_database(&self, database: &str) -> Result<(), Error> {
        let name = database_name(database)?;
        self.admin(&[admin::drop_database(&name)]).await
    }

    async fn admin(&self, statements: &[String]) -> Result<(), Error> {
        let opts = connect_opts(self.server_url.expose(), None)
            .map_err(playerbot_db::mysql_async::Error::from)?;
        let mut conn = Conn::new(opts).await?;
        for statement in statements {
            conn.query_drop(statement).await?;
        }
        conn.disconnect().await?;
        Ok(())
    }
}

/// The database a one-shot command (migrate, partitions, stats, explain, entity) works on.
const COMMAND_DATABASE: &str = "playerbot";

/// A Db on the database a command works on, with the built-in bot schema registered: the
/// one `--url` names, or else a fresh `playerbot` database on a private embedded server,
/// with the built-in migrations applied first when `migrated`. Keep the target for as long
/// as the Db is used.
pub(crate) async fn command_db(url: Option<String>, migrated: bool) -> Result<(Target, Db), Error> {
    let embedded = url.is_none();
    let target = Target::open(url).await?;
    let builder = if embedded {
        target.fresh_database(COMMAND_DATABASE).await?;
        target.builder(COMMAND_DATABASE)
    } else {
        playerbot_db::Db::builder(target.server_url.expose())
    };
    let db = builder
        .register_bot_schema()
        .max_connections(2)
        .build()
        .await?;
    if embedded && migrated {
        let report = Migrator::builtin().run(&db).await?;
        eprintln!(
            "database {COMMAND_DATABASE}: {} built-in migrations applied",
            report.applied.len()
        );
    }
    Ok((target, db))
}

fn database_name(database: &str) -> Result<Name, Error> {
    Name::new("database", database).map_err(|err| Error::Usage(err.to_string()))
}
