//! A row that could not be decoded into an entity names the entity and the column.

use std::fmt;

/// A row that did not decode into an entity: a value did not fit its field (a NULL for a
/// non-`Option`, an unknown enum value, …) or the row had the wrong number of columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The entity's name.
    pub entity: &'static str,
    /// The column, or `None` when the row as a whole did not fit (wrong column count).
    pub column: Option<&'static str>,
    /// What did not fit.
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
