//! Finding the server binary and its data-directory initializer on this machine.

use std::env;
use std::path::{Path, PathBuf};

use playerbot_db_sql::Dialect;

use crate::EmbeddedError;

/// Names the server binary explicitly, skipping the search.
pub const SERVER_BIN_ENV: &str = "PLAYERBOT_DB_SERVER_BIN";

/// Where distributions put server binaries that are not on a user's PATH.
const EXTRA_DIRS: &[&str] = &[
    "/usr/sbin",
    "/usr/local/sbin",
    "/usr/local/mysql/bin",
    "/usr/libexec",
    "/opt/mysql/bin",
];

/// Which server the binary is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// MariaDB (`mariadbd`, or a `mysqld` that links to it).
    MariaDb,
    /// Oracle's MySQL.
    MySql,
}

impl ServerKind {
    /// The SQL dialect the server speaks (every MySQL that ships an installable server
    /// binary today is ≥ 8.0.19).
    pub fn dialect(self) -> Dialect {
        match self {
            ServerKind::MariaDb => Dialect::MariaDb,
            ServerKind::MySql => Dialect::MySql,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerBinaries {
    pub kind: ServerKind,
    pub server: PathBuf,
    /// `mariadb-install-db` for MariaDB; MySQL initializes with `mysqld --initialize-insecure`.
    pub install_db: Option<PathBuf>,
}

impl ServerBinaries {
    /// `PLAYERBOT_DB_SERVER_BIN`, else `mariadbd`, else `mysqld`, on PATH or in the usual places.
    pub fn locate() -> Result<ServerBinaries, EmbeddedError> {
        ServerBinaries::locate_from(env::var_os(SERVER_BIN_ENV).map(PathBuf::from))
    }

    /// Like [`locate`](Self::locate), with the server binary given instead of read from the
    /// environment.
    pub fn locate_from(server: Option<PathBuf>) -> Result<ServerBinaries, EmbeddedError> {
        let dirs = search_dirs();
        let server = match server {
            Some(path) => Some(path),
            None => ["mariadbd", "mysqld"]
                .iter()
                .find_map(|name| find_in(&dirs, name)),
        };
        let Some(server) = server.filter(|path| path.is_file()) else {
            let searched = dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(EmbeddedError::NoServerBinary { searched });
        };
        let kind = if is_mariadb(&server) {
            ServerKind::MariaDb
        } else {
            ServerKind::MySql
        };
        let install_db = match kind {
            ServerKind::MariaDb => {
                let mut near = dirs.clone();
                if let Some(parent) = server.parent() {
                    near.insert(0, parent.to_path_buf());
                    near.insert(1, parent.with_file_name("bin"));
                }
                let found = ["mariadb-install-db", "mysql_install_db"]
                    .iter()
                    .find_map(|name| find_in(&near, name));
                Some(found.ok_or(EmbeddedError::NoInstallTool {
                    server: server.clone(),
                    tool: "mariadb-install-db",
                })?)
            }
            ServerKind::MySql => None,
        };
        Ok(ServerBinaries {
            kind,
            server,
            install_db,
        })
    }
}

fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = env::var_os("PATH")
        .map(|path| env::split_paths(&path).collect())
        .unwrap_or_default();
    dirs.extend(EXTRA_DIRS.iter().map(PathBuf::from));
    dirs
}

fn find_in(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    dirs.iter()
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// `mariadbd`, or a `mysqld` that is MariaDB's compatibility link.
fn is_mariadb(server: &Path) -> bool {
    let resolved = std::fs::canonicalize(server).unwrap_or_else(|_| server.to_path_buf());
    resolved
        .file_name()
        .is_some_and(|name| name.to_string_lossy().contains("mariadb"))
}
