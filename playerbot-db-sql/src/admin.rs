//! Statements that set up servers and databases rather than serve entities: creating and
//! dropping databases, locking down a throwaway server's accounts, and replication.

use crate::name::secret_literal;
use crate::{Dialect, Name, Secret};

/// Creates `database` with the project's character set and binary collation.
pub fn create_database(database: &Name) -> String {
    format!(
        "CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        database.quoted()
    )
}

/// Drops `database` when it exists.
pub fn drop_database(database: &Name) -> String {
    format!("DROP DATABASE IF EXISTS {}", database.quoted())
}

/// What a throwaway server runs at every start (its `--init-file`): root may log in only from
/// the machine (`localhost` and 127.0.0.1) and only with `password`. None of it is written to
/// the binary log, so a replica of the server does not replay it over its own accounts.
pub fn lock_down_root(dialect: Dialect, password: &Secret) -> Vec<String> {
    let password = secret_literal(password);
    let mut statements = vec!["SET sql_log_bin = 0".to_owned()];
    match dialect {
        Dialect::MariaDb => {
            // mariadb-install-db also makes root@::1 and root@<hostname>, without a password.
            statements.push(
                "DELETE FROM mysql.global_priv WHERE User = 'root' \
                 AND Host NOT IN ('localhost', '127.0.0.1')"
                    .to_owned(),
            );
            statements.push("FLUSH PRIVILEGES".to_owned());
            statements.push(format!(
                "ALTER USER 'root'@'localhost' IDENTIFIED BY {password}, \
                 'root'@'127.0.0.1' IDENTIFIED BY {password}"
            ));
        }
        Dialect::MySql => {
            // `mysqld --initialize-insecure` makes root@localhost only; TCP from 127.0.0.1
            // with name resolution off needs its own account.
            statements.push(format!(
                "ALTER USER 'root'@'localhost' IDENTIFIED BY {password}"
            ));
            statements.push(format!(
                "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY {password}"
            ));
            statements.push(format!(
                "ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY {password}"
            ));
            statements.push(
                "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION".to_owned(),
            );
        }
    }
    statements
}

/// The account a replica logs in with, made on the primary (not logged, so not replicated).
pub fn create_replication_user(user: &Name, password: &Secret) -> Vec<String> {
    let account = account(user);
    let password = secret_literal(password);
    vec![
        "SET SESSION sql_log_bin = 0".to_owned(),
        format!("CREATE USER IF NOT EXISTS {account} IDENTIFIED BY {password}"),
        format!("ALTER USER {account} IDENTIFIED BY {password}"),
        format!("GRANT REPLICATION SLAVE ON *.* TO {account}"),
        "SET SESSION sql_log_bin = 1".to_owned(),
    ]
}

/// Where a replica reads from.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// The primary's address (an IP literal; the replica connects over TCP).
    pub host: &'a Name,
    /// The primary's port.
    pub port: u16,
    /// The replication account on the primary.
    pub user: &'a Name,
    /// Its password.
    pub password: &'a Secret,
}

/// Points a replica at `source` by GTID, from the start of the source's binary log, and
/// starts replicating.
pub fn start_replication(dialect: Dialect, source: &Source<'_>) -> Vec<String> {
    let host = string_literal(source.host);
    let user = string_literal(source.user);
    let password = secret_literal(source.password);
    let port = source.port;
    match dialect {
        Dialect::MariaDb => vec![
            "STOP SLAVE".to_owned(),
            "SET GLOBAL gtid_slave_pos = ''".to_owned(),
            format!(
                "CHANGE MASTER TO MASTER_HOST = {host}, MASTER_PORT = {port}, \
                 MASTER_USER = {user}, MASTER_PASSWORD = {password}, \
                 MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1"
            ),
            "START SLAVE".to_owned(),
        ],
        Dialect::MySql => vec![
            "STOP REPLICA".to_owned(),
            "RESET REPLICA ALL".to_owned(),
            format!(
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST = {host}, SOURCE_PORT = {port}, \
                 SOURCE_USER = {user}, SOURCE_PASSWORD = {password}, \
                 SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1, GET_SOURCE_PUBLIC_KEY = 1"
            ),
            "START REPLICA".to_owned(),
        ],
    }
}

/// Stops replicating (the replica keeps what it has).
pub fn stop_replication(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::MariaDb => "STOP SLAVE",
        Dialect::MySql => "STOP REPLICA",
    }
}

/// Starts replicating again after [`stop_replication`].
pub fn resume_replication(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::MariaDb => "START SLAVE",
        Dialect::MySql => "START REPLICA",
    }
}

/// The replica's status row (columns differ between the dialects; read them by name).
pub fn replication_status(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::MariaDb => "SHOW SLAVE STATUS",
        Dialect::MySql => "SHOW REPLICA STATUS",
    }
}

/// `'user'@'127.0.0.1'`: accounts of throwaway servers are for loopback only.
fn account(user: &Name) -> String {
    format!("{}@'127.0.0.1'", string_literal(user))
}

/// A validated name as a string literal: quotes and backslashes doubled.
fn string_literal(name: &Name) -> String {
    format!(
        "'{}'",
        name.as_str().replace('\\', "\\\\").replace('\'', "''")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        let password = Secret::new("0123456789abcdefABCDEF").unwrap();
        let database = Name::new("database", "bots").unwrap();
        let (host, user) = (
            Name::new("host", "127.0.0.1").unwrap(),
            Name::new("user", "repl").unwrap(),
        );
        let source = Source {
            host: &host,
            port: 3306,
            user: &user,
            password: &password,
        };
        for dialect in Dialect::ALL {
            let text = [
                vec![create_database(&database), drop_database(&database)],
                lock_down_root(dialect, &password),
                create_replication_user(&user, &password),
                start_replication(dialect, &source),
                vec![
                    stop_replication(dialect).to_owned(),
                    resume_replication(dialect).to_owned(),
                    replication_status(dialect).to_owned(),
                ],
            ]
            .concat()
            .join(";\n");
            insta::assert_snapshot!(format!("admin_{dialect:?}"), text);
        }
    }

    #[test]
    fn string_literals_escape() {
        let odd = Name::new("user", "o'k\\").unwrap();
        assert_eq!(string_literal(&odd), "'o''k\\\\'");
    }
}
