//! A row that could not be decoded into an entity names the entity and the column.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub entity: &'static str,
    /// The column, or `None` when the row as a whole did not fit (wrong column count).
    pub column: Option<&'static str>,
    pub detail: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(
                f,
                "cannot decode {}.{}: {}",
                self.entity, column, self.detail
            ),
            None => write!(f, "cannot decode a {} row: {}", self.entity, self.detail),
        }
    }
}

impl std::error::Error for RowError {}
