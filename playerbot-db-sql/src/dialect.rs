//! The two statement forms: the only place that knows how MariaDB and MySQL differ.

/// Which server family a statement is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// MySQL ≥ 8.0.19: upserts name the incoming row with a row alias (`AS new`).
    MySql,
    /// MariaDB (and MySQL before 8.0.19): upserts use `VALUES(col)`.
    MariaDb,
}

impl Dialect {
    /// Both dialects, for code that generates or checks every form.
    pub const ALL: [Dialect; 2] = [Dialect::MariaDb, Dialect::MySql];

    /// The collation of string columns: binary and NO PAD, so keys compare as Rust's `==`
    /// (trailing spaces, case and accents all count). CREATE TABLE and the built-in
    /// migrations use the same.
    pub fn string_collation(self) -> &'static str {
        match self {
            Dialect::MySql => "utf8mb4_0900_bin",
            Dialect::MariaDb => "utf8mb4_nopad_bin",
        }
    }
}
