//! The conflict guard of an upsert: what keeps `ON DUPLICATE KEY UPDATE` from rewriting a
//! row of another key.
//!
//! A table with a unique key besides the entity's own key can match an incoming row to a
//! row of another key (same unique value). The guard is the clause's first assignment: its
//! column keeps its value when the matched row has the incoming key, and otherwise gets a
//! value the server refuses in strict mode before any column changes — NULL on a NOT NULL
//! column (error 1048), or, on an integer column, [`REFUSAL`] as text (error 1366). NULL is
//! not enough on an AUTO_INCREMENT column: the server stores 0 there without an error.

use crate::quote::ident;
use crate::Dialect;

/// The row alias MySQL's upsert uses to name the incoming row.
pub(crate) const ROW_ALIAS: &str = "new";

/// The text an integer guard column is given on a conflict; the server's 1366 message
/// quotes it, which is how the refusal is told apart from a bad value of the caller's.
pub const REFUSAL: &str = "playerbot-db: another row holds this unique value";

/// What the guard assigns when the matched row has another key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GuardValue {
    /// NULL: refused (1048) by a NOT NULL column that is not AUTO_INCREMENT.
    Null,
    /// [`REFUSAL`] as text: refused (1366) by any integer column, AUTO_INCREMENT included.
    Refusal,
}

/// ` ON DUPLICATE KEY UPDATE ` (MariaDB), ` AS new ON DUPLICATE KEY UPDATE ` (MySQL).
pub fn update_head(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::MySql => " AS new ON DUPLICATE KEY UPDATE ",
        Dialect::MariaDb => " ON DUPLICATE KEY UPDATE ",
    }
}

/// The incoming row's value of `column` inside a duplicate-key clause.
pub(crate) fn incoming(column: &str, dialect: Dialect) -> String {
    let column = ident(column);
    match dialect {
        Dialect::MySql => format!("{ROW_ALIAS}.{column}"),
        Dialect::MariaDb => format!("VALUES({column})"),
    }
}

/// `` `t` = IF(`k` = VALUES(`k`) AND …, `t`, NULL) ``: the guard on column `target`, over
/// the entity's `key_columns`. It comes first in the clause, so the comparison sees the
/// matched row as stored.
pub fn conflict_guard(
    key_columns: &[&str],
    target: &str,
    value: GuardValue,
    dialect: Dialect,
) -> String {
    let same_key = key_columns
        .iter()
        .map(|column| format!("{} = {}", ident(column), incoming(column, dialect)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let refused = match value {
        GuardValue::Null => "NULL".to_owned(),
        GuardValue::Refusal => format!("'{REFUSAL}'"),
    };
    let target = ident(target);
    format!("{target} = IF({same_key}, {target}, {refused})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        let text = [Dialect::MariaDb, Dialect::MySql]
            .into_iter()
            .flat_map(|dialect| {
                [
                    format!(
                        "{}{}",
                        update_head(dialect),
                        conflict_guard(&["id"], "id", GuardValue::Null, dialect)
                    ),
                    conflict_guard(&["guid", "slot"], "guid", GuardValue::Refusal, dialect),
                ]
            })
            .collect::<Vec<_>>()
            .join("\n");
        insta::assert_snapshot!("guard", text);
    }

    #[test]
    fn the_refusal_needs_no_escaping() {
        assert!(!REFUSAL.contains(['\'', '\\', '"']));
    }
}
