//! One migration file: its name, its SQL, its checksum and its statements.

use std::path::Path;

use crate::{Dialect, Error};

/// File name endings of the variants of a migration for one kind of server.
const VARIANTS: [(&str, Dialect); 2] = [
    (".mariadb.sql", Dialect::MariaDb),
    (".mysql.sql", Dialect::MySql),
];

/// One versioned SQL file to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// `NNNN_name.sql`: the file name, without the server part of a variant's name.
    pub name: String,
    /// The file's text: statements separated by `;` at the end of a line.
    pub sql: String,
    /// For a variant for one kind of server (`NNNN_name.mariadb.sql`,
    /// `NNNN_name.mysql.sql`): that server's dialect. Where SQL must differ between the two
    /// (collation names, say), a migration comes as a pair of variants; a database runs the
    /// one for its server and records it under the shared name.
    pub dialect: Option<Dialect>,
}

impl Migration {
    /// A migration from its file name and text; a `.mariadb.sql` or `.mysql.sql` name makes
    /// it a variant for that server.
    pub fn new(name: impl Into<String>, sql: impl Into<String>) -> Migration {
        let name = name.into();
        let (name, dialect) = VARIANTS
            .iter()
            .find_map(|&(suffix, dialect)| {
                let stem = name.strip_suffix(suffix)?;
                Some((format!("{stem}.sql"), Some(dialect)))
            })
            .unwrap_or((name, None));
        Migration {
            name,
            sql: sql.into(),
            dialect,
        }
    }

    /// Whether a server of `dialect` runs this migration.
    pub fn applies_to(&self, dialect: Dialect) -> bool {
        self.dialect.is_none_or(|only| only == dialect)
    }

    /// The `NNNN` of the name.
    pub fn version(&self) -> &str {
        self.name.split('_').next().unwrap_or("")
    }

    /// FNV-1a over the file's bytes, as 16 hex digits.
    pub fn checksum(&self) -> String {
        format!("{:016x}", crate::fnv::fnv1a(self.sql.as_bytes()))
    }

    /// The statements: split at each `;` outside quotes and comments (see `split`),
    /// comments-only pieces dropped.
    pub fn statements(&self) -> Vec<&str> {
        super::split::split_statements(&self.sql)
    }

    fn is_well_named(name: &str) -> bool {
        let Some(stem) = VARIANTS
            .iter()
            .find_map(|(suffix, _)| name.strip_suffix(suffix))
            .or_else(|| name.strip_suffix(".sql"))
        else {
            return false;
        };
        let (version, rest) = stem.split_at(stem.find('_').unwrap_or(0));
        version.len() == 4
            && version.chars().all(|c| c.is_ascii_digit())
            && rest.len() > 1
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }
}

/// A file of a migrations folder that is not a migration, and why.
pub(super) type Skipped = (String, String);

/// The migrations in `dir`, and the files that are not, each with the reason.
pub(super) fn read_dir(dir: &Path) -> Result<(Vec<Migration>, Vec<Skipped>), Error> {
    let reading = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action: "reading",
            path,
            source,
        }
    };
    let entries = std::fs::read_dir(dir).map_err(reading(dir))?;
    let mut migrations = Vec::new();
    let mut skipped = Vec::new();
    for entry in entries {
        let path = entry.map_err(reading(dir))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            skipped.push((
                path.display().to_string(),
                "the name is not valid UTF-8".to_owned(),
            ));
            continue;
        };
        if !name.ends_with(".sql") {
            let reason = if name.to_ascii_lowercase().ends_with(".sql") {
                "the extension must be .sql in lower case"
            } else {
                "not a .sql file"
            };
            skipped.push((name, reason.to_owned()));
            continue;
        }
        if !Migration::is_well_named(&name) {
            return Err(Error::Migration {
                name: Some(name),
                message: "the file is not named NNNN_name.sql".to_owned(),
                code: None,
            });
        }
        let sql = std::fs::read_to_string(&path).map_err(reading(&path))?;
        migrations.push(Migration::new(name, sql));
    }
    skipped.sort();
    Ok((migrations, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_and_skips_comments() {
        let m = Migration::new("0001_x.sql", "-- header\nCREATE TABLE a (x INT);\n\n-- two\nINSERT INTO a VALUES (1);\n-- trailing\n");
        assert_eq!(
            m.statements(),
            vec![
                "-- header\nCREATE TABLE a (x INT)",
                "-- two\nINSERT INTO a VALUES (1)"
            ]
        );
        assert_eq!(m.version(), "0001");
        assert_ne!(
            m.checksum(),
            Migration::new("0001_x.sql", "CREATE TABLE a (x INT);").checksum()
        );
    }

    #[test]
    fn names_must_be_numbered() {
        assert!(Migration::is_well_named("0001_bot_state.sql"));
        assert!(!Migration::is_well_named("1_bot_state.sql"));
        assert!(!Migration::is_well_named("0001-bot.sql"));
        assert!(!Migration::is_well_named("0001_.sql"));
        assert!(Migration::is_well_named("0006_nopad.mariadb.sql"));
        assert!(Migration::is_well_named("0006_nopad.mysql.sql"));
    }

    #[test]
    fn variants_share_a_name_and_apply_to_their_server() {
        let maria = Migration::new("0006_nopad.mariadb.sql", "SELECT 1;");
        assert_eq!(maria.name, "0006_nopad.sql");
        assert!(maria.applies_to(Dialect::MariaDb) && !maria.applies_to(Dialect::MySql));
        let both = Migration::new("0001_x.sql", "SELECT 1;");
        assert!(both.applies_to(Dialect::MariaDb) && both.applies_to(Dialect::MySql));
    }
}
