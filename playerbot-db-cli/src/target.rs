//! The server a command works on: the one `--url` names, or a private embedded one.

use playerbot_db::embedded::EmbeddedServer;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::session::connect_opts;
use playerbot_db::{DbUrl, Error};

#[derive(Debug)]
pub(crate) struct Target {
    /// The server URL without a database.
    pub(crate) server_url: DbUrl,
    /// Keeps the embedded server alive for as long as the target lives.
    _embedded: Option<EmbeddedServer>,
}

impl Target {
    pub(crate) fn open(url: Option<String>) -> Result<Target, Error> {
        match url {
            Some(url) => Ok(Target {
                server_url: DbUrl::new(url),
                _embedded: None,
            }),
            None => {
                let server = EmbeddedServer::start()?;
                eprintln!("started an embedded server on 127.0.0.1:{}", server.port());
                Ok(Target {
                    server_url: DbUrl::new(server.url()),
                    _embedded: Some(server),
                })
            }
        }
    }

    /// Creates (or empties) `database` and returns a URL that selects it.
    pub(crate) async fn fresh_database(&self, database: &str) -> Result<DbUrl, Error> {
        check_name(database)?;
        self.admin(&[
            format!("DROP DATABASE IF EXISTS `{database}`"),
            format!("CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
        ])
        .await?;
        Ok(DbUrl::new(with_database(
            self.server_url.expose(),
            database,
        )))
    }

    pub(crate) async fn drop_database(&self, database: &str) -> Result<(), Error> {
        check_name(database)?;
        self.admin(&[format!("DROP DATABASE IF EXISTS `{database}`")])
            .await
    }

    async fn admin(&self, statements: &[String]) -> Result<(), Error> {
        let opts = connect_opts(self.server_url.expose(), None)
            .map_err(|err| Error::Config(err.to_string()))?;
        let mut conn = Conn::new(opts).await?;
        for statement in statements {
            conn.query_drop(statement).await?;
        }
        conn.disconnect().await?;
        Ok(())
    }
}

/// `mysql://u@h:1/old?x=1` → `mysql://u@h:1/<database>?x=1`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

fn check_name(database: &str) -> Result<(), Error> {
    let plain = !database.is_empty()
        && database.len() <= 64
        && database
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "database name {database:?} must be letters, digits and `_`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_and_keeps_the_rest() {
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/", "b"),
            "mysql://root@127.0.0.1:3306/b"
        );
        assert_eq!(
            with_database("mysql://u:p@h/old?x=1", "b"),
            "mysql://u:p@h/b?x=1"
        );
        assert_eq!(with_database("mysql://h:3306", "b"), "mysql://h:3306/b");
    }
}
