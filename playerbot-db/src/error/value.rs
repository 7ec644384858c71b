//! [`ValueProblem`]: why a value was refused, before it reached the server or by the
//! server in strict mode, and the server codes that mean such a refusal.

use std::fmt;

use super::server::code;

/// Why a value was refused before it reached the server (or by the server in strict mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueProblem {
    /// A NaN or infinite float: the server cannot store it.
    NotFinite,
    /// Text or bytes longer than the column holds.
    TooLong {
        /// The most the column holds, in `unit`.
        max: u64,
        /// The value's length, in `unit`.
        found: u64,
        /// What was counted: `"characters"` or `"bytes"`.
        unit: &'static str,
    },
    /// Text with a character the column's character set cannot hold (an emoji in a
    /// utf8mb3 column, say); the server would refuse it or turn it into `?`.
    NotInCharset {
        /// The column's character set.
        charset: &'static str,
        /// The first character it cannot hold.
        character: char,
    },
    /// A number outside what the column can represent (unix seconds past the years a
    /// DATETIME holds, say).
    OutOfRange {
        /// The value, formatted.
        value: String,
        /// The range the column holds, in words.
        range: &'static str,
    },
    /// The server refused the value (strict mode); its message says why.
    Rejected {
        /// The server's error code (1406 data too long, 1264 out of range, …).
        code: u16,
        /// The server's message.
        message: String,
    },
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueProblem::NotFinite => write!(f, "NaN and infinite floats cannot be stored"),
            ValueProblem::TooLong { max, found, unit } => {
                write!(f, "{found} {unit}, the column holds at most {max}")
            }
            ValueProblem::NotInCharset { charset, character } => write!(
                f,
                "{character:?} (U+{:04X}) cannot be stored in a {charset} column",
                u32::from(*character)
            ),
            ValueProblem::OutOfRange { value, range } => {
                write!(f, "{value} is outside {range}")
            }
            ValueProblem::Rejected { code, message } => {
                write!(f, "the server refused it ({code}): {message}")
            }
        }
    }
}

/// Server codes that mean "this value does not fit its column" in strict mode.
pub(crate) fn is_value_rejection(code: u16) -> bool {
    matches!(
        code,
        code::DATA_TOO_LONG
            | code::OUT_OF_RANGE
            | code::INCORRECT_VALUE
            | code::TRUNCATED
            | code::COLUMN_CANNOT_BE_NULL
    )
}
