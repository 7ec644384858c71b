//! The Rust types a column can have, recognised from the field's syntax, and their SQL types.
//!
//! A derive sees tokens, not resolved types, so the mapping goes by the last path segment
//! (`u32`, `std::string::String`, `Option<T>`, `Vec<u8>`). Anything else is either a fieldless
//! enum announced with `#[bot(repr = u8)]` or a compile error.

use syn::{GenericArgument, PathArguments, Type};

/// An integer width and signedness.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct IntType {
    pub(crate) signed: bool,
    pub(crate) bits: u8,
}

impl IntType {
    pub(crate) fn from_name(name: &str) -> Option<IntType> {
        let (signed, bits) = match name {
            "u8" => (false, 8),
            "u16" => (false, 16),
            "u32" => (false, 32),
            "u64" => (false, 64),
            "i8" => (true, 8),
            "i16" => (true, 16),
            "i32" => (true, 32),
            "i64" => (true, 64),
            _ => return None,
        };
        Some(IntType { signed, bits })
    }

    pub(crate) fn from_type(ty: &Type) -> Option<IntType> {
        IntType::from_name(&last_segment(ty)?.ident.to_string())
    }

    pub(crate) fn rust_name(self) -> &'static str {
        match (self.signed, self.bits) {
            (false, 8) => "u8",
            (false, 16) => "u16",
            (false, 32) => "u32",
            (false, 64) => "u64",
            (true, 8) => "i8",
            (true, 16) => "i16",
            (true, 32) => "i32",
            _ => "i64",
        }
    }

    pub(crate) fn sql_type(self) -> String {
        let base = match self.bits {
            8 => "TINYINT",
            16 => "SMALLINT",
            32 => "INT",
            _ => "BIGINT",
        };
        if self.signed {
            base.to_owned()
        } else {
            format!("{base} UNSIGNED")
        }
    }
}

/// What a column holds, before nullability.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum ValueType {
    Int(IntType),
    F32,
    F64,
    Bool,
    Text,
    Bytes,
    /// A fieldless enum stored as its `#[repr]` integer.
    Enum(IntType),
    /// A `BotEnum` stored by variant name (`#[bot(by_name)]`: an SQL `ENUM` column).
    EnumName,
    /// `chrono::NaiveDateTime` / `time::PrimitiveDateTime` (the runtime's `chrono`/`time`
    /// feature), a DATETIME or TIMESTAMP column.
    DateTime,
    /// `chrono::NaiveDate` / `time::Date`, a DATE column.
    Date,
    /// An integer of unix seconds on a DATETIME or TIMESTAMP column (`#[bot(unix_time)]`).
    UnixTime(IntType),
}

impl ValueType {
    pub(crate) fn takes_max_len(self) -> bool {
        matches!(self, ValueType::Text | ValueType::Bytes)
    }

    /// Whether `max_len` means something for this value: the column's length.
    pub(crate) fn accepts_max_len(self) -> bool {
        self.takes_max_len() || self == ValueType::EnumName
    }

    /// Whether the column holds characters (charsets and collations apply).
    pub(crate) fn is_text(self) -> bool {
        matches!(self, ValueType::Text | ValueType::EnumName)
    }

    /// The SQL type for this value, `max_len` already validated to apply.
    pub(crate) fn sql_type(self, max_len: Option<u32>) -> String {
        match (self, max_len) {
            (ValueType::Int(int) | ValueType::Enum(int), _) => int.sql_type(),
            (ValueType::F32, _) => "FLOAT".to_owned(),
            (ValueType::F64, _) => "DOUBLE".to_owned(),
            (ValueType::Bool, _) => "TINYINT(1)".to_owned(),
            (ValueType::Text, Some(len)) => format!("VARCHAR({len})"),
            (ValueType::Text, None) => "TEXT".to_owned(),
            (ValueType::Bytes, Some(len)) => format!("VARBINARY({len})"),
            (ValueType::Bytes, None) => "BLOB".to_owned(),
            // `check` asks for `sql_type = "ENUM(…)"` or a `max_len` on these.
            (ValueType::EnumName, len) => format!("VARCHAR({})", len.unwrap_or(64)),
            (ValueType::DateTime | ValueType::UnixTime(_), _) => "DATETIME".to_owned(),
            (ValueType::Date, _) => "DATE".to_owned(),
        }
    }
}

/// A field's column type: the value and whether it is `Option<_>` (NULL allowed).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct ColumnType {
    pub(crate) value: ValueType,
    pub(crate) nullable: bool,
}

/// Why a type has no mapping.
pub(crate) enum Unsupported {
    /// A type the derive does not know and no `repr` was given.
    Unknown,
    /// `Option<Option<T>>`: NULL cannot mean two things.
    NestedOption,
    /// `usize`, `i128` and friends.
    Width(&'static str),
    /// `#[bot(unix_time)]` on something other than an integer.
    UnixTimeNotInteger,
}

/// What the field's attributes say about its type.
#[derive(Copy, Clone, Default)]
pub(crate) struct TypeHints {
    /// `#[bot(repr = u8)]`: an enum stored as this integer.
    pub(crate) repr: Option<IntType>,
    /// `#[bot(by_name)]`: an enum stored by variant name.
    pub(crate) by_name: bool,
    /// `#[bot(unix_time)]`: an integer of unix seconds on a date-time column.
    pub(crate) unix_time: bool,
}

/// Classifies a field type given what its attributes say.
pub(crate) fn classify(ty: &Type, hints: TypeHints) -> Result<ColumnType, Unsupported> {
    if let Some(inner) = option_inner(ty) {
        if option_inner(inner).is_some() {
            return Err(Unsupported::NestedOption);
        }
        let value = classify_hinted(inner, hints)?;
        return Ok(ColumnType {
            value,
            nullable: true,
        });
    }
    let value = classify_hinted(ty, hints)?;
    Ok(ColumnType {
        value,
        nullable: false,
    })
}

fn classify_hinted(ty: &Type, hints: TypeHints) -> Result<ValueType, Unsupported> {
    if hints.by_name {
        return match last_segment(ty) {
            Some(segment) if segment.arguments.is_none() => Ok(ValueType::EnumName),
            _ => Err(Unsupported::Unknown),
        };
    }
    let value = classify_value(ty, hints.repr)?;
    match value {
        ValueType::Int(int) if hints.unix_time => Ok(ValueType::UnixTime(int)),
        _ if hints.unix_time => Err(Unsupported::UnixTimeNotInteger),
        value => Ok(value),
    }
}

fn classify_value(ty: &Type, repr: Option<IntType>) -> Result<ValueType, Unsupported> {
    let Some(segment) = last_segment(ty) else {
        return Err(Unsupported::Unknown);
    };
    let name = segment.ident.to_string();
    let plain = matches!(segment.arguments, PathArguments::None);
    if plain {
        if let Some(int) = IntType::from_name(&name) {
            return Ok(ValueType::Int(int));
        }
        match name.as_str() {
            "f32" => return Ok(ValueType::F32),
            "f64" => return Ok(ValueType::F64),
            "bool" => return Ok(ValueType::Bool),
            "String" => return Ok(ValueType::Text),
            "NaiveDateTime" | "PrimitiveDateTime" => return Ok(ValueType::DateTime),
            "NaiveDate" => return Ok(ValueType::Date),
            "usize" | "isize" | "u128" | "i128" => {
                return Err(Unsupported::Width(if name.starts_with('u') {
                    "u64"
                } else {
                    "i64"
                }))
            }
            _ => {}
        }
    }
    if name == "Vec"
        && single_generic(segment).and_then(IntType::from_type) == IntType::from_name("u8")
    {
        return Ok(ValueType::Bytes);
    }
    match repr {
        Some(int) if plain => Ok(ValueType::Enum(int)),
        _ => Err(Unsupported::Unknown),
    }
}

/// `T` when `ty` is `Option<T>` (any path ending in `Option`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty)?;
    if segment.ident != "Option" {
        return None;
    }
    single_generic(segment)
}

fn single_generic(segment: &syn::PathSegment) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    if args.args.len() != 1 {
        return None;
    }
    match args.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}
