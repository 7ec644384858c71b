//! One migration file: its name, its SQL, its checksum and its statements.

use std::path::Path;

use crate::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The file name, `NNNN_name.sql`.
    pub name: String,
    pub sql: String,
}

impl Migration {
    pub fn new(name: impl Into<String>, sql: impl Into<String>) -> Migration {
        Migration {
            name: name.into(),
            sql: sql.into(),
        }
    }

    /// The `NNNN` of the name.
    pub fn version(&self) -> &str {
        self.name.split('_').next().unwrap_or("")
    }

    /// FNV-1a over the file's bytes, as 16 hex digits.
    pub fn checksum(&self) -> String {
        format!("{:016x}", crate::fnv::fnv1a(self.sql.as_bytes()))
    }

    /// The statements: split at `;` that ends a line, comments-only pieces dropped.
    pub fn statements(&self) -> Vec<&str> {
        self.sql
            .split(";\n")
            .flat_map(|piece| piece.strip_suffix(';').or(Some(piece)))
            .map(str::trim)
            .filter(|piece| {
                piece
                    .lines()
                    .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with("--"))
            })
            .collect()
    }

    fn is_well_named(name: &str) -> bool {
        let Some(stem) = name.strip_suffix(".sql") else {
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

pub(super) fn read_dir(dir: &Path) -> Result<Vec<Migration>, Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|err| Error::Config(format!("reading {}: {err}", dir.display())))?;
    let mut migrations = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|err| Error::Config(format!("reading {}: {err}", dir.display())))?
            .path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if !name.ends_with(".sql") {
            continue;
        }
        if !Migration::is_well_named(&name) {
            return Err(Error::Config(format!(
                "migration file {name} is not named NNNN_name.sql"
            )));
        }
        let sql = std::fs::read_to_string(&path)
            .map_err(|err| Error::Config(format!("reading {}: {err}", path.display())))?;
        migrations.push(Migration::new(name, sql));
    }
    Ok(migrations)
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
    }
}
