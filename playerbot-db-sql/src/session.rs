//! What a connection sends outside any entity: its setup, what it asks the server when it
//! opens, transaction control and the clean-up of a returned or orphaned connection.

use crate::Name;

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

/// Asked once per new connection: `(VERSION(), max_allowed_packet, innodb_rollback_on_timeout,
/// innodb_autoinc_lock_mode)`.
pub const SERVER_FACTS: &str = "SELECT VERSION(), @@max_allowed_packet, \
     @@GLOBAL.innodb_rollback_on_timeout, @@GLOBAL.innodb_autoinc_lock_mode, \
     @@SESSION.auto_increment_increment";

/// The server's version string alone.
pub const VERSION: &str = "SELECT VERSION()";

/// The session's default database (NULL when none).
pub const CURRENT_DATABASE: &str = "SELECT DATABASE()";

/// Makes `database` the session's default database.
pub fn use_database(database: &Name) -> String {
    format!("USE {}", database.quoted())
}

/// Opens a transaction.
pub const START_TRANSACTION: &str = "START TRANSACTION";
/// Commits the open transaction.
pub const COMMIT: &str = "COMMIT";
/// Rolls the open transaction back.
pub const ROLLBACK: &str = "ROLLBACK";
/// Releases every named lock the session holds (after a cancelled call that took one).
pub const RELEASE_ALL_LOCKS: &str = "DO RELEASE_ALL_LOCKS()";

/// Whether the server still lists a connection thread (one `?`: the thread id).
pub const THREAD_LISTED: &str = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?";

/// Stops the statement a connection thread is running (KILL takes no placeholder).
pub fn kill_query(thread: u32) -> String {
    format!("KILL QUERY {thread}")
}

/// Takes the named lock `name` (a literal this crate wrote), waiting at most `?` seconds.
pub fn get_lock_waiting(name: &str) -> String {
    format!("SELECT GET_LOCK({}, ?)", lock_name(name))
}

/// Takes the named lock `name`, waiting at most `seconds`.
pub fn get_lock(name: &str, seconds: u32) -> String {
    format!("SELECT GET_LOCK({}, {seconds})", lock_name(name))
}

/// Releases the named lock `name`.
pub fn release_lock(name: &str) -> String {
    format!("SELECT RELEASE_LOCK({})", lock_name(name))
}

/// A lock name as a string literal. Lock names are built by this project from validated
/// names; a quote in one would be a bug, caught here rather than sent.
fn lock_name(name: &str) -> String {
    assert!(
        !name.contains(['\'', '\\', '\0']),
        "lock name {name:?} must not need escaping"
    );
    format!("'{name}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        let database = Name::new("database", "bots`db").unwrap();
        insta::assert_snapshot!(
            "session",
            [
                setup_statements().join(";\n"),
                SERVER_FACTS.to_owned(),
                VERSION.to_owned(),
                CURRENT_DATABASE.to_owned(),
                use_database(&database),
                START_TRANSACTION.to_owned(),
                COMMIT.to_owned(),
                ROLLBACK.to_owned(),
                RELEASE_ALL_LOCKS.to_owned(),
                THREAD_LISTED.to_owned(),
                kill_query(42),
                get_lock_waiting("playerbot_db.migrate"),
                get_lock("playerbot_db.partitions.db.bot_state", 60),
                release_lock("playerbot_db.migrate"),
            ]
            .join(";\n")
        );
    }

    #[test]
    #[should_panic(expected = "must not need escaping")]
    fn lock_names_never_need_escaping() {
        get_lock("a'b", 1);
    }
}
