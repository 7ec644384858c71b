//! Which server is on the other end, and so which SQL dialect to send it.

use std::fmt;

pub use playerbot_db_sql::Dialect;

/// A server's product and version, parsed from `SELECT VERSION()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFlavor {
    /// MariaDB.
    MariaDb {
        /// Major, minor and patch version.
        version: (u16, u16, u16),
    },
    /// MySQL.
    MySql {
        /// Major, minor and patch version.
        version: (u16, u16, u16),
    },
}

impl ServerFlavor {
    /// Parses `10.11.19-MariaDB-0+deb12u1`, `8.0.36`, `9.1.0-commercial`, or the
    /// `5.5.5-10.11.6-MariaDB` prefix some proxies report.
    pub fn parse(version: &str) -> Option<ServerFlavor> {
        let is_mariadb = version.to_ascii_lowercase().contains("mariadb");
        let text = match version.strip_prefix("5.5.5-") {
            Some(rest) if is_mariadb => rest,
            _ => version,
        };
        let numbers: String = text
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = numbers.split('.').map(|part| part.parse::<u16>().ok());
        let major = parts.next()??;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        let version = (major, minor, patch);
        Some(if is_mariadb {
            ServerFlavor::MariaDb { version }
        } else {
            ServerFlavor::MySql { version }
        })
    }

    /// The dialect to send: the row-alias upsert exists from MySQL 8.0.19 on, and `VALUES()`
    /// is deprecated there (warning 1287), so it is used only where the alias is not available.
    pub fn dialect(self) -> Dialect {
        match self {
            ServerFlavor::MySql { version } if version >= (8, 0, 19) => Dialect::MySql,
            ServerFlavor::MySql { .. } | ServerFlavor::MariaDb { .. } => Dialect::MariaDb,
        }
    }

    /// Asks an open connection for `VERSION()` and parses the answer.
    pub async fn detect(conn: &mut mysql_async::Conn) -> Result<ServerFlavor, crate::Error> {
        use mysql_async::prelude::Queryable;
        let version: Option<String> = conn.query_first(playerbot_db_sql::session::VERSION).await?;
        let version = version.unwrap_or_default();
        ServerFlavor::parse(&version).ok_or(crate::Error::UnknownServer(version))
    }

    /// Whether the server is MariaDB.
    pub fn is_mariadb(self) -> bool {
        matches!(self, ServerFlavor::MariaDb { .. })
    }

    /// Major, minor and patch version.
    pub fn version(self) -> (u16, u16, u16) {
        match self {
            ServerFlavor::MariaDb { version } | ServerFlavor::MySql { version } => version,
        }
    }
}

impl fmt::Display for ServerFlavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (major, minor, patch) = self.version();
        let product = if self.is_mariadb() {
            "MariaDB"
        } else {
            "MySQL"
        };
        write!(f, "{product} {major}.{minor}.{patch}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_products_and_picks_the_dialect() {
        let mariadb = ServerFlavor::parse("10.11.19-MariaDB-0+deb12u1").unwrap();
        assert_eq!(
            mariadb,
            ServerFlavor::MariaDb {
                version: (10, 11, 19)
            }
        );
        assert_eq!(mariadb.dialect(), Dialect::MariaDb);

        let proxied = ServerFlavor::parse("5.5.5-10.11.6-MariaDB").unwrap();
        assert_eq!(
            proxied,
            ServerFlavor::MariaDb {
                version: (10, 11, 6)
            }
        );

        let mysql9 = ServerFlavor::parse("9.1.0-commercial").unwrap();
        assert_eq!(mysql9, ServerFlavor::MySql { version: (9, 1, 0) });
        assert_eq!(mysql9.dialect(), Dialect::MySql);

        assert_eq!(
            ServerFlavor::parse("8.0.19").unwrap().dialect(),
            Dialect::MySql
        );
        assert_eq!(
            ServerFlavor::parse("8.0.18-log").unwrap().dialect(),
            Dialect::MariaDb
        );
        assert_eq!(
            ServerFlavor::parse("5.7.44").unwrap().dialect(),
            Dialect::MariaDb
        );
        assert_eq!(ServerFlavor::parse("garbage"), None);
    }
}
