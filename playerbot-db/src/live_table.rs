//! What a registered entity's live table is made of, as far as calls depend on it: its
//! engine (can a bulk save roll back?), each text column's character set (can it hold this
//! text?) and whether its key compares byte for byte (can a returned row be matched to the
//! requested key by `==`?). Read once per `Db` from information_schema, when a connection
//! opens or on first need.

use mysql_async::prelude::Queryable;
use mysql_async::Conn;

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
        let rows: Vec<mysql_async::Row> = conn
            .exec(playerbot_db_sql::catalog::COLUMNS, (meta.table,))
            .await?;
        // (COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME) of each column.
        let columns: Vec<(String, Option<String>, Option<String>)> = rows
            .iter()
            .map(|row| {
                let text = |i: usize| row.get_opt::<Option<String>, _>(i)?.ok()?;
                (text(0).unwrap_or_default(), text(5), text(6))
            })
            .collect();
        let live = |name: &str| columns.iter().find(|(column, ..)| column == name);
        let charsets = meta
            .columns
            .iter()
            .map(|column| {
                let (_, charset, _) = live(column.name)?;
                Charset::from_name(charset.as_deref()?)
            })
            .collect();
        let exact_keys = meta.key_columns().all(|column| {
            live(column.name)
                .and_then(|(_, _, collation)| collation.as_deref())
                .is_none_or(is_exact_collation)
        });
        Ok(Some(LiveTable {
            // A view has no engine; it rolls back as its tables do.
            engine: engine.unwrap_or_default(),
            charsets,
            exact_keys,
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
