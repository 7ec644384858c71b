//! What a registered entity's live table is made of, as far as calls depend on it: its
//! engine (can a bulk save roll back?), each text column's character set (can it hold this
//! text?), whether its key compares byte for byte (can a returned row be matched to the
//! requested key by `==`?) and its unique keys (can an upsert match a row of another key?).
//! Read once per server from information_schema, when a connection opens or on first need.

use mysql_async::prelude::Queryable;
use mysql_async::Conn;

use playerbot_db_sql::guard::GuardValue;

use crate::catalog::{read_columns, read_keys, IndexInfo};
use crate::EntityMeta;

/// Engines whose writes a `ROLLBACK` does not undo (upper case).
const NON_TRANSACTIONAL: [&str; 8] = [
    "MYISAM",
    "ARIA",
    "MEMORY",
    "HEAP",
    "CSV",
    "ARCHIVE",
    "MRG_MYISAM",
    "BLACKHOLE",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveTable {
    pub(crate) engine: String,
    /// Per entity column, in `EntityMeta::columns` order: the character set of a text
    /// column, `None` for numbers, bytes and columns the table lacks.
    charsets: Vec<Option<Charset>>,
    /// Every key column compares byte for byte: numbers, bytes, or text under a binary NO
    /// PAD collation. Otherwise the server finds rows by keys that differ from the stored one
    /// in case, accents or trailing spaces.
    pub(crate) exact_keys: bool,
    /// The guard upserts into this table need (see `playerbot_db_sql::guard`).
    pub(crate) guard: UpsertGuard,
    /// The table's unique keys other than the entity's key, as `a or (b, c)`; empty when
    /// there are none.
    pub(crate) other_unique: String,
}

/// How upserts into a live table keep to the row of their key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum UpsertGuard {
    /// The derive's statements fit: their guard, or none where no key but the entity's is
    /// unique.
    Generated,
    /// This guard instead: on the entity's column `target`, refusing with `value`. The table
    /// has a unique key the entity does not declare, or the derive's guard would not fire
    /// on it (NULL into an AUTO_INCREMENT column the entity does not mark).
    Live { target: usize, value: GuardValue },
    /// A unique key besides the entity's, and no guard fires on the first key column (it is
    /// nullable text): upserts are refused rather than risk another row.
    Impossible,
}

/// What the guard needs to know of one live column.
struct GuardColumn<'a> {
    name: &'a str,
    nullable: bool,
    auto_increment: bool,
    integer: bool,
}

/// The guard an upsert of `meta` into a table with these columns needs; `other_unique`:
/// whether the table has a unique key besides the entity's.
fn upsert_guard(meta: &EntityMeta, columns: &[GuardColumn], other_unique: bool) -> UpsertGuard {
    let Some(&target) = meta.key.first() else {
        return UpsertGuard::Generated;
    };
    if !other_unique && !meta.has_unique() {
        return UpsertGuard::Generated;
    }
    let name = meta.columns[target].name;
    let Some(live) = columns.iter().find(|c| c.name.eq_ignore_ascii_case(name)) else {
        // Without the column every statement fails anyway, and says so.
        return UpsertGuard::Generated;
    };
    let fires = |value: GuardValue| match value {
        GuardValue::Null => !live.nullable && !live.auto_increment,
        GuardValue::Refusal => live.integer,
    };
    let generated = meta.has_unique().then(|| {
        if meta.columns[target].auto_increment {
            GuardValue::Refusal
        } else {
            GuardValue::Null
        }
    });
    if generated.is_some_and(fires) {
        return UpsertGuard::Generated;
    }
    [GuardValue::Null, GuardValue::Refusal]
        .into_iter()
        .find(|&value| fires(value))
        .map_or(UpsertGuard::Impossible, |value| UpsertGuard::Live {
            target,
            value,
        })
}

/// Whether `index` is exactly the set `columns` (names compare as the server does, without
/// case).
fn same_columns(index: &[String], columns: &[&str]) -> bool {
    index.len() == columns.len()
        && columns
            .iter()
            .all(|c| index.iter().any(|i| i.eq_ignore_ascii_case(c)))
}

/// The unique keys among `keys`, each as its column names in order.
fn unique_keys(keys: &[IndexInfo]) -> Vec<Vec<String>> {
    keys.iter()
        .filter(|key| key.unique)
        .map(|key| key.columns.clone())
        .collect()
}

/// `a or (b, c)`: keys as an error names them.
fn describe_keys(keys: &[&Vec<String>]) -> String {
    keys.iter()
        .map(|columns| match columns.as_slice() {
            [one] => one.clone(),
            many => format!("({})", many.join(", ")),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The character sets whose repertoire is checked before sending; any other one is left to
/// the server (strict mode refuses what it cannot hold, error 1366, mapped to the column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// All of Unicode.
    Full,
    /// utf8mb3: the Basic Multilingual Plane only (no emoji).
    Utf8mb3,
    /// latin1, which both servers define as Windows-1252.
    Latin1,
    Ascii,
}

impl Charset {
    fn from_name(name: &str) -> Option<Charset> {
        match name.to_ascii_lowercase().as_str() {
            "utf8mb4" | "utf16" | "utf16le" | "utf32" | "binary" => Some(Charset::Full),
            "utf8mb3" | "utf8" | "ucs2" => Some(Charset::Utf8mb3),
            "latin1" => Some(Charset::Latin1),
            "ascii" => Some(Charset::Ascii),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Charset::Full => "utf8mb4",
            Charset::Utf8mb3 => "utf8mb3",
            Charset::Latin1 => "latin1",
            Charset::Ascii => "ascii",
        }
    }

    /// The first character of `text` this character set cannot hold.
    pub(crate) fn first_unstorable(self, text: &str) -> Option<char> {
        match self {
            Charset::Full => None,
            Charset::Utf8mb3 => text.chars().find(|&c| u32::from(c) > 0xFFFF),
            Charset::Ascii => text.chars().find(|c| !c.is_ascii()),
            Charset::Latin1 => text.chars().find(|&c| !in_windows_1252(c)),
        }
    }
}

/// Windows-1252 as the servers' latin1 maps it: Latin-1 except that 0x80–0x9F hold
/// typographic characters (the five bytes Windows leaves undefined map to themselves).
fn in_windows_1252(c: char) -> bool {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    let code = u32::from(c);
    code < 0x80 || (0xA0..=0xFF).contains(&code) || HIGH.contains(&c)
}

/// Whether a collation compares byte for byte: binary, or a `_bin` collation that is NO PAD
/// (`utf8mb4_bin` and the other plain `_bin` ones ignore trailing spaces).
pub(crate) fn is_exact_collation(collation: &str) -> bool {
    let collation = collation.to_ascii_lowercase();
    collation == "binary" || collation.ends_with("_nopad_bin") || collation.ends_with("_0900_bin")
}

/// The engine of `table` in the connection's current database: `None` when the table does
/// not exist, `Some(None)` for a view (no engine of its own).
pub(crate) async fn table_engine(
    conn: &mut Conn,
    table: &str,
) -> Result<Option<Option<String>>, mysql_async::Error> {
    conn.exec_first(playerbot_db_sql::catalog::ENGINE, (table,))
        .await
}

impl LiveTable {
    /// The character set of column `index` when it is checked before sending.
    pub(crate) fn charset(&self, index: usize) -> Option<Charset> {
        self.charsets.get(index).copied().flatten()
    }

    /// The engine when it cannot roll back.
    pub(crate) fn non_transactional_engine(&self) -> Option<&str> {
        NON_TRANSACTIONAL
            .contains(&self.engine.to_ascii_uppercase().as_str())
            .then_some(self.engine.as_str())
    }

    /// Reads `meta.table` in the connection's current database; `None` when it does not
    /// exist.
    pub(crate) async fn read(
        conn: &mut Conn,
        meta: &EntityMeta,
    ) -> Result<Option<LiveTable>, mysql_async::Error> {
        let Some(engine) = table_engine(conn, meta.table).await? else {
            return Ok(None);
        };
        let columns = read_columns(conn, meta.table).await?;
        let unique = unique_keys(&read_keys(conn, meta.table).await?);
        let guard_columns: Vec<GuardColumn> = columns
            .iter()
            .map(|column| GuardColumn {
                name: &column.name,
                nullable: column.nullable,
                auto_increment: column.is_auto_increment(),
                integer: column.is_integer(),
            })
            .collect();
        let key: Vec<&str> = meta.key_columns().map(|c| c.name).collect();
        let others: Vec<&Vec<String>> = unique
            .iter()
            .filter(|index| !same_columns(index, &key))
            .collect();
        let guard = upsert_guard(meta, &guard_columns, !others.is_empty());
        let live = |name: &str| columns.iter().find(|column| column.name == name);
        let charsets = meta
            .columns
            .iter()
            .map(|column| Charset::from_name(live(column.name)?.charset.as_deref()?))
            .collect();
        let exact_keys = meta.key_columns().all(|column| {
            live(column.name)
                .and_then(|live| live.collation.as_deref())
                .is_none_or(is_exact_collation)
        });
        Ok(Some(LiveTable {
            // A view has no engine; it rolls back as its tables do.
            engine: engine.unwrap_or_default(),
            charsets,
            exact_keys,
            guard,
            other_unique: describe_keys(&others),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repertoires() {
        assert_eq!(Charset::Utf8mb3.first_unstorable("héllo 中文"), None);
        assert_eq!(Charset::Utf8mb3.first_unstorable("gg 🎮"), Some('🎮'));
        assert_eq!(Charset::Latin1.first_unstorable("café € “x”"), None);
        assert_eq!(Charset::Latin1.first_unstorable("Ω"), Some('Ω'));
        assert_eq!(Charset::Latin1.first_unstorable("\u{80}"), Some('\u{80}'));
        assert_eq!(Charset::Ascii.first_unstorable("é"), Some('é'));
        assert_eq!(Charset::Full.first_unstorable("🎮"), None);
    }

    #[test]
    fn exact_collations() {
        assert!(is_exact_collation("utf8mb4_nopad_bin"));
        assert!(is_exact_collation("utf8mb4_0900_bin"));
        assert!(is_exact_collation("binary"));
        assert!(!is_exact_collation("utf8mb4_bin"));
        assert!(!is_exact_collation("utf8mb3_general_ci"));
        assert!(!is_exact_collation("latin1_swedish_ci"));
    }
}
