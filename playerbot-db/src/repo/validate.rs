//! Refusing values that cannot be stored, before they reach the server.
//!
//! Strict SQL mode makes the server reject the rest (out-of-range numbers in a narrower
//! `sql_type`, for instance); those rejections are mapped to the same error, with the column
//! taken from the server's message.

use mysql_async::Value;
use playerbot_db_sql::guard::REFUSAL;

use crate::error::{code, column_in_message, is_value_rejection, ValueProblem};
use crate::live_table::LiveTable;
use crate::{EntityMeta, Error, ValueKind};

/// TEXT and BLOB hold at most this many bytes.
const TEXT_BLOB_BYTES: usize = 65_535;

/// Checks one row's params (in column order) against the entity's columns and, once it has
/// been read, the live table's character sets.
pub(crate) fn check_row(
    meta: &'static EntityMeta,
    live: Option<&LiveTable>,
    params: &[Value],
    key: impl FnOnce() -> String,
) -> Result<(), Error> {
    for (index, (column, value)) in meta.columns.iter().zip(params).enumerate() {
        let problem = problem(column.kind, column.sql_type, value).or_else(|| {
            let charset = live?.charset(index)?;
            let Value::Bytes(bytes) = value else {
                return None;
            };
            let text = std::str::from_utf8(bytes).ok()?;
            let character = charset.first_unstorable(text)?;
            Some(ValueProblem::NotInCharset {
                charset: charset.name(),
                character,
            })
        });
        if let Some(problem) = problem {
            return Err(Error::InvalidValue {
                entity: meta.entity,
                key: key(),
                column: column.name.to_owned(),
                problem,
            });
        }
    }
    Ok(())
}

fn problem(kind: ValueKind, sql_type: &str, value: &Value) -> Option<ValueProblem> {
    match (kind, value) {
        (ValueKind::F32, Value::Float(f)) if !f.is_finite() => Some(ValueProblem::NotFinite),
        (ValueKind::F64, Value::Double(d)) if !d.is_finite() => Some(ValueProblem::NotFinite),
        (ValueKind::Text { max_len: Some(max) }, Value::Bytes(bytes))
            if bytes.len() > max as usize =>
        {
            // More bytes than allowed characters can still fit; count characters only then.
            let chars = std::str::from_utf8(bytes).map_or(bytes.len(), |text| text.chars().count());
            (chars > max as usize).then_some(ValueProblem::TooLong {
                max: u64::from(max),
                found: chars as u64,
                unit: "characters",
            })
        }
        (ValueKind::Bytes { max_len: Some(max) }, Value::Bytes(bytes))
            if bytes.len() > max as usize =>
        {
            Some(ValueProblem::TooLong {
                max: u64::from(max),
                found: bytes.len() as u64,
                unit: "bytes",
            })
        }
        (ValueKind::UnixTime { .. }, Value::Date(year, month, day, hour, minute, second, _))
            if !(1000..=9999).contains(year) =>
        {
            Some(ValueProblem::OutOfRange {
                value: format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"),
                range: "the years 1000 to 9999 a DATETIME holds",
            })
        }
        (
            ValueKind::Text { max_len: None } | ValueKind::Bytes { max_len: None },
            Value::Bytes(bytes),
        ) if bytes.len() > TEXT_BLOB_BYTES && matches!(sql_type, "TEXT" | "BLOB") => {
            Some(ValueProblem::TooLong {
                max: TEXT_BLOB_BYTES as u64,
                found: bytes.len() as u64,
                unit: "bytes",
            })
        }
        _ => None,
    }
}

/// Turns a strict-mode rejection of a value into `InvalidValue` naming entity, key and
/// column, and the upsert guard's refusal into `UniqueConflict`. `live` is the table as last
/// read, when it has been.
pub(crate) fn map_rejection(
    error: Error,
    meta: &'static EntityMeta,
    live: Option<&LiveTable>,
    key: impl FnOnce() -> String,
) -> Error {
    match error {
        Error::Server { code, message, .. } if is_guard_refusal(code, &message, meta, live) => {
            Error::UniqueConflict {
                entity: meta.entity,
                key: key(),
                columns: unique_columns(meta, live),
            }
        }
        Error::Server { code, message, .. } if is_value_rejection(code) => Error::InvalidValue {
            entity: meta.entity,
            key: key(),
            column: column_in_message(&message).unwrap_or_else(|| "?".to_owned()),
            problem: ValueProblem::Rejected { code, message },
        },
        other => other,
    }
}

/// Whether a server error is the upsert guard refusing a match with another row (see
/// `playerbot_db_sql::guard`): its refusal text on an integer column (1366), or NULL on a
/// key column (1048) of a table with a unique key besides the entity's — a key column is
/// never NULL otherwise, since key fields are not `Option`s.
fn is_guard_refusal(code: u16, message: &str, meta: &EntityMeta, live: Option<&LiveTable>) -> bool {
    match code {
        code::INCORRECT_VALUE => message.contains(REFUSAL),
        code::COLUMN_CANNOT_BE_NULL => {
            let guarded =
                meta.has_unique() || live.is_some_and(|live| !live.other_unique.is_empty());
            guarded
                && column_in_message(message)
                    .is_some_and(|named| meta.key_columns().any(|c| c.name == named))
        }
        _ => false,
    }
}

/// The unique keys other than the entity's key, as `a or (b, c)`: the live table's when it
/// has been read, else the declared ones.
pub(crate) fn unique_columns(meta: &EntityMeta, live: Option<&LiveTable>) -> String {
    if let Some(live) = live.filter(|live| !live.other_unique.is_empty()) {
        return live.other_unique.clone();
    }
    let single = meta
        .columns
        .iter()
        .filter(|c| c.unique)
        .map(|c| c.name.to_owned());
    let composite = meta
        .indexes
        .iter()
        .filter(|i| i.unique)
        .map(|i| format!("({})", i.columns.join(", ")));
    single.chain(composite).collect::<Vec<_>>().join(" or ")
}
