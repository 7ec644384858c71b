//! What the server says about the current database's tables (information_schema), for the
//! live-table facts, the schema check and the entity generator. Each takes one `?`: the
//! table name.

/// The table's engine (NULL for a view); no row when the table does not exist.
pub const ENGINE: &str = "SELECT ENGINE FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?";

/// Whether the table exists: a count.
pub const TABLE_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?";

/// Base tables of the current database, by name (no parameter).
pub const BASE_TABLES: &str = "SELECT TABLE_NAME FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME";

/// `(ENGINE, TABLE_COLLATION, CHARACTER_SET_NAME, CREATE_OPTIONS)` of the table.
pub const TABLE_OPTIONS: &str =
    "SELECT t.ENGINE, t.TABLE_COLLATION, c.CHARACTER_SET_NAME, t.CREATE_OPTIONS \
     FROM information_schema.TABLES t \
     LEFT JOIN information_schema.COLLATIONS c ON c.COLLATION_NAME = t.TABLE_COLLATION \
     WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ?";

/// The table's columns in order: `(COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE,
/// CHARACTER_MAXIMUM_LENGTH, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_DEFAULT, EXTRA)`.
pub const COLUMNS: &str =
    "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH, \
     CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_DEFAULT, EXTRA \
     FROM information_schema.COLUMNS \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION";

/// `(INDEX_NAME, COLUMN_NAME, NON_UNIQUE)` of every key column, by index and position.
pub const INDEX_COLUMNS: &str =
    "SELECT INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        insta::assert_snapshot!(
            "catalog",
            [
                ENGINE,
                TABLE_EXISTS,
                BASE_TABLES,
                TABLE_OPTIONS,
                COLUMNS,
                INDEX_COLUMNS
            ]
            .join(";\n")
        );
    }
}
