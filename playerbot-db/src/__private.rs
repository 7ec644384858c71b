//! Support for the derive's generated code. Not a public API: names here change freely.

pub use mysql_async::prelude::ToValue;
pub use mysql_async::{Row, Value};
pub use std::vec;
pub use std::vec::Vec;

use std::fmt::Debug;

use mysql_async::prelude::FromValue;
pub use std::sync::Arc;

use crate::{BotEnum, EntityMeta, EntitySql, RowError, Statements};

/// Stands in for the metadata of an entity whose derive failed, so that only the real errors
/// are reported.
pub const FALLBACK_META: EntityMeta = EntityMeta {
    entity: "",
    table: "",
    columns: &[],
    key: &[],
    indexes: &[],
    partitioning: None,
    cache: None,
    engine: None,
    charset: None,
    collation: None,
    sql: EntitySql {
        mysql: EMPTY_STATEMENTS,
        mariadb: EMPTY_STATEMENTS,
    },
};

const EMPTY_STATEMENTS: Statements = Statements {
    select_by_key: "",
    exists: "",
    select_head: "",
    insert: "",
    insert_head: "",
    row_placeholders: "",
    upsert: "",
    upsert_tail: "",
    update_prefix: "",
    assignments: &[],
    ignore_tail: "",
    delete_by_key: "",
    create_table: "",
    lookups: &[],
    count_all: "",
    scan: crate::entity::ScanSql {
        first: "",
        next: "",
        first_in_range: "",
        next_in_range: "",
    },
};

/// Rows must carry exactly the entity's columns (the generated SELECTs do).
pub fn expect_column_count(row: &Row, meta: &'static EntityMeta) -> Result<(), RowError> {
    if row.len() == meta.columns.len() {
        return Ok(());
    }
    Err(RowError {
        entity: meta.entity,
        column: None,
        detail: format!(
            "expected {} columns, the row has {}",
            meta.columns.len(),
            row.len()
        ),
    })
}

/// Takes column `index` out of the row as `T`.
pub fn column<T: FromValue>(
    row: &mut Row,
    index: usize,
    meta: &'static EntityMeta,
) -> Result<T, RowError> {
    let error = |detail: String| RowError {
        entity: meta.entity,
        column: Some(meta.columns[index].name),
        detail,
    };
    // A bool is stored as 0 or 1; the driver would fold any other number of a TINYINT
    // shared with other programs into `true`.
    if meta.columns[index].kind == crate::ValueKind::Bool {
        if let Some(stored) = row.as_ref(index).and_then(not_a_bool) {
            return Err(error(format!("{stored} is not a bool (0 or 1)")));
        }
    }
    match row.take_opt::<T, usize>(index) {
        Some(Ok(value)) => Ok(value),
        Some(Err(err)) => Err(error(format!(
            "{:?} does not fit {}",
            err.0,
            std::any::type_name::<T>()
        ))),
        None => Err(error(
            "the value was already taken or is missing".to_owned(),
        )),
    }
}

/// The stored number of a bool column when it is neither 0 nor 1 (NULL is fine).
fn not_a_bool(value: &Value) -> Option<String> {
    let number = match value {
        Value::Int(n) => i128::from(*n),
        Value::UInt(n) => i128::from(*n),
        Value::Bytes(text) => std::str::from_utf8(text).ok()?.trim().parse().ok()?,
        _ => return None,
    };
    (number != 0 && number != 1).then(|| number.to_string())
}

/// Takes an enum column: its integer, then the variant with that discriminant.
pub fn enum_column<R, E>(
    row: &mut Row,
    index: usize,
    meta: &'static EntityMeta,
) -> Result<E, RowError>
where
    E: BotEnum<Repr = R>,
    R: Copy + Debug + Into<Value> + FromValue,
{
    let repr: R = column(row, index, meta)?;
    enum_from_repr(repr, index, meta)
}

pub fn optional_enum_column<R, E>(
    row: &mut Row,
    index: usize,
    meta: &'static EntityMeta,
) -> Result<Option<E>, RowError>
where
    E: BotEnum<Repr = R>,
    R: Copy + Debug + Into<Value> + FromValue,
{
    let repr: Option<R> = column(row, index, meta)?;
    repr.map(|repr| enum_from_repr(repr, index, meta))
        .transpose()
}

fn enum_from_repr<E: BotEnum>(
    repr: E::Repr,
    index: usize,
    meta: &'static EntityMeta,
) -> Result<E, RowError> {
    E::from_repr(repr).ok_or_else(|| RowError {
        entity: meta.entity,
        column: Some(meta.columns[index].name),
        detail: format!("{repr:?} is not a discriminant of {}", E::NAME),
    })
}

pub fn enum_value<R, E>(value: &E) -> Value
where
    E: BotEnum<Repr = R>,
    R: Copy + Debug + Into<Value> + FromValue,
{
    value.to_repr().into()
}

pub fn optional_enum_value<R, E>(value: &Option<E>) -> Value
where
    E: BotEnum<Repr = R>,
    R: Copy + Debug + Into<Value> + FromValue,
{
    match value {
        Some(value) => value.to_repr().into(),
        None => Value::NULL,
    }
}

/// An enum stored by name: its variant's name as text.
pub fn enum_name_value<E: BotEnum>(value: &E) -> Value {
    Value::Bytes(value.name().as_bytes().to_vec())
}

pub fn optional_enum_name_value<E: BotEnum>(value: &Option<E>) -> Value {
    value.as_ref().map_or(Value::NULL, enum_name_value)
}

/// Takes an enum stored by name: the text, then the variant with that name.
pub fn enum_name_column<E: BotEnum>(
    row: &mut Row,
    index: usize,
    meta: &'static EntityMeta,
) -> Result<E, RowError> {
    let name: String = column(row, index, meta)?;
    enum_from_name(&name, index, meta)
}

pub fn optional_enum_name_column<E: BotEnum>(
    row: &mut Row,
    index: usize,
    meta: &'static EntityMeta,
) -> Result<Option<E>, RowError> {
    let name: Option<String> = column(row, index, meta)?;
    name.map(|name| enum_from_name(&name, index, meta))
        .transpose()
}

fn enum_from_name<E: BotEnum>(
    name: &str,
    index: usize,
    meta: &'static EntityMeta,
) -> Result<E, RowError> {
    E::from_name(name).ok_or_else(|| RowError {
        entity: meta.entity,
        column: Some(meta.columns[index].name),
        detail: format!("{name:?} is not the name of a variant of {}", E::NAME),
    })
}

/// Unix seconds as the date and time a DATETIME/TIMESTAMP column takes (UTC: see
/// `unix_time`). A value past any calendar the server knows becomes a year the validation
/// refuses.
pub fn unix_time_value<T: Copy + TryInto<i64>>(seconds: &T) -> Value {
    let seconds: i64 = (*seconds).try_into().unwrap_or(i64::MAX);
    let (year, month, day, hour, minute, second) = crate::unix_time::to_civil(seconds);
    Value::Date(year, month, day, hour, minute, second, 0)
}

pub fn optional_unix_time_value<T: Copy + TryInto<i64>>(seconds: &Option<T>) -> Value {
    seconds.as_ref().map_or(Value::NULL, unix_time_value)
}

/// Takes a DATETIME/TIMESTAMP column as unix seconds (fractions dropped). A zero date
/// (`0000-00-00 00:00:00`, which older tables hold) reads as 0.
pub fn unix_time_column<T: TryFrom<i64>>(
    row: &mut Row,
    index: usize,
    meta: &'static EntityMeta,
) -> Result<T, RowError> {
    match optional_unix_time_column(row, index, meta)? {
        Some(seconds) => Ok(seconds),
        None => Err(RowError {
            entity: meta.entity,
            column: Some(meta.columns[index].name),
            detail: "NULL in a column that is not an Option".to_owned(),
        }),
    }
}

pub fn optional_unix_time_column<T: TryFrom<i64>>(
    row: &mut Row,
    index: usize,
    meta: &'static EntityMeta,
) -> Result<Option<T>, RowError> {
    let error = |detail: String| RowError {
        entity: meta.entity,
        column: Some(meta.columns[index].name),
        detail,
    };
    let value: Value = column(row, index, meta)?;
    let seconds = match value {
        Value::NULL => return Ok(None),
        Value::Date(0, 0, 0, ..) => 0,
        Value::Date(year, month, day, hour, minute, second, _) => {
            crate::unix_time::from_civil(year, month, day, hour, minute, second)
        }
        Value::Int(seconds) => seconds,
        // The text protocol (a plain query) sends the date as text.
        Value::Bytes(ref text) => std::str::from_utf8(text)
            .ok()
            .and_then(crate::unix_time::parse)
            .ok_or_else(|| error(format!("{value:?} is not a date and time")))?,
        other => return Err(error(format!("{other:?} is not a date and time"))),
    };
    T::try_from(seconds).map(Some).map_err(|_| {
        error(format!(
            "{seconds} unix seconds do not fit {}",
            std::any::type_name::<T>()
        ))
    })
}
