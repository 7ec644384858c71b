//! Rules that span several attributes or fields, one function per rule.

use std::collections::HashMap;

use crate::ast::{Entity, Field};
use crate::ctxt::Ctxt;
use crate::ident::check_identifier;
use crate::model::default_table_name;
use crate::types::ValueType;

/// The widest VARCHAR that fits a utf8mb4 row (65,535 bytes / 4 bytes per character).
pub(crate) const MAX_VARCHAR_CHARS: u32 = 16_383;
/// MariaDB and MySQL both stop at 8,192 partitions; far fewer make sense for RANGE by id.
pub(crate) const MAX_INITIAL_PARTITIONS: u32 = 1_024;

pub(crate) fn check(cx: &Ctxt, entity: &Entity<'_>) {
    check_has_key(cx, entity);
    check_identifiers(cx, entity);
    check_duplicate_columns(cx, entity);
    check_skip_stands_alone(cx, entity);
    check_key_types(cx, entity);
    check_max_len(cx, entity);
    check_repr_only_on_enums(cx, entity);
    check_sql_type(cx, entity);
    check_partitioning(cx, entity);
    check_cache(cx, entity);
    check_auto_increment(cx, entity);
    check_primary_key_attr(cx, entity);
    check_indexes(cx, entity);
    check_storage_names(cx, entity);
    check_default(cx, entity);
}

/// `primary_key(…)` on the struct replaces `key` on fields; it names each column once, and
/// only stored fields.
fn check_primary_key_attr(cx: &Ctxt, entity: &Entity<'_>) {
    let (Some(names), Some(span)) = (
        entity.attrs.primary_key.get(),
        entity.attrs.primary_key.span(),
    ) else {
        return;
    };
    for field in &entity.fields {
        if let Some(key_span) = field.attrs.key.span() {
            cx.error(
                key_span,
                "`key` on a field cannot be combined with `primary_key(…)` on the struct",
                "name every key field in `primary_key(…)`, in key order, and remove `key`",
            );
        }
        if field.is_key && field.attrs.skip.is_set() {
            cx.error(
                span,
                format_args!(
                    "`primary_key` names `{}`, a skipped field",
                    field.plain_name()
                ),
                "remove `skip` from the field, or leave it out of the key",
            );
        }
    }
    check_no_repeats(cx, names, "primary_key");
}

fn check_no_repeats(cx: &Ctxt, names: &[syn::Ident], word: &str) {
    for (i, name) in names.iter().enumerate() {
        if names[..i].iter().any(|earlier| earlier == name) {
            cx.error(
                name.span(),
                format_args!("`{word}` names `{name}` twice"),
                "name each field once",
            );
        }
    }
}

/// Struct-level `unique(…)` and `index(…)`: stored fields, each once, strings with a length;
/// on a partitioned table a unique key must include the partition key (error 1503).
fn check_indexes(cx: &Ctxt, entity: &Entity<'_>) {
    let partitioned = entity.attrs.partition.is_set();
    for index in &entity.attrs.indexes {
        let word = if index.unique { "unique" } else { "index" };
        check_no_repeats(cx, &index.fields, word);
        let fields: Vec<&Field<'_>> = index
            .fields
            .iter()
            .filter_map(|name| entity.field_position(cx, name, word))
            .map(|i| &entity.fields[i])
            .collect();
        for field in &fields {
            if field.attrs.skip.is_set() {
                cx.error(
                    index.span,
                    format_args!("`{word}` names `{}`, a skipped field", field.plain_name()),
                    "remove `skip` from the field, or leave it out of the key",
                );
            }
            let unbounded = field.column_type.is_some_and(|t| t.value.takes_max_len())
                && !field.attrs.max_len.is_set()
                && field.attrs.sql_type.get().is_none();
            if unbounded {
                cx.error(
                    index.span,
                    format_args!("`{word}` includes `{}`, a String or Vec<u8> without `max_len`: TEXT and BLOB cannot be indexed whole", field.plain_name()),
                    "give the field a length, such as `#[bot(max_len = 64)]`",
                );
            }
        }
        let has_partition_key = fields.iter().any(|f| f.attrs.partition_key.is_set());
        if index.unique && partitioned && !has_partition_key {
            cx.error(
                index.span,
                "this unique key does not include the partition key; the server would reject the partitioned table (error 1503)",
                "add the partition key field to `unique(…)`, or use `index(…)`",
            );
        }
    }
}

/// Engine, charset and collation names go into CREATE TABLE as they are, so they must be
/// plain names; a column's own charset or collation applies to text only.
fn check_storage_names(cx: &Ctxt, entity: &Entity<'_>) {
    let plain = |name: &str| {
        !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let a = &entity.attrs;
    for (word, setting) in [
        ("engine", &a.engine),
        ("charset", &a.charset),
        ("collation", &a.collation),
    ] {
        if let (Some(name), Some(span)) = (setting.get(), setting.span()) {
            if !plain(name) {
                cx.error(
                    span,
                    format_args!("`{word} = \"{name}\"` is not a name the server knows"),
                    "use a plain name such as `engine = \"InnoDB\"`, `charset = \"utf8mb3\"` or `collation = \"utf8mb3_general_ci\"`",
                );
            }
        }
    }
    for field in entity.columns() {
        let text = field.column_type.is_some_and(|t| t.value.is_text());
        for (word, setting) in [
            ("charset", &field.attrs.charset),
            ("collation", &field.attrs.collation),
        ] {
            let (Some(name), Some(span)) = (setting.get(), setting.span()) else {
                continue;
            };
            if !plain(name) {
                cx.error(
                    span,
                    format_args!("`{word} = \"{name}\"` is not a name the server knows"),
                    "use a plain name such as `charset = \"latin1\"` or `collation = \"latin1_swedish_ci\"`",
                );
            } else if !text {
                cx.error(
                    span,
                    format_args!(
                        "`{word}` applies to `String` fields, not to `{}`",
                        field.plain_name()
                    ),
                    "remove it: numbers and bytes have no character set",
                );
            }
        }
    }
}

/// A default is pasted into CREATE TABLE: one literal or keyword, no statement tricks. A
/// `server_default` field is an `Option` (`None`: not set), among the first 128 columns.
fn check_default(cx: &Ctxt, entity: &Entity<'_>) {
    for (index, field) in entity.columns().enumerate() {
        let Some(span) = field.attrs.server_default.span() else {
            continue;
        };
        let text = field.attrs.server_default.get().expect("set");
        if !is_sql_fragment(text) {
            cx.error(
                span,
                format_args!("`server_default = \"{text}\"` is not an SQL default value"),
                "the correct format looks like `#[bot(server_default = \"CURRENT_TIMESTAMP\")]`",
            );
        }
        let optional = field.column_type.is_some_and(|t| t.nullable);
        if !optional || field.is_key || field.attrs.default.is_set() || index >= 128 {
            cx.error(
                span,
                "`server_default` applies to an `Option` field that is not a key, has no `default`, and is among the first 128 columns",
                "write the field as `Option<T>`: `None` leaves the column to the server on insert and unchanged on update",
            );
        }
    }
    for field in entity.columns() {
        let (Some(default), Some(span)) = (field.attrs.default.get(), field.attrs.default.span())
        else {
            continue;
        };
        if !is_sql_fragment(default) {
            cx.error(
                span,
                format_args!("`default = \"{default}\"` is not an SQL default value"),
                "the correct format looks like `#[bot(default = \"0\")]`, `#[bot(default = \"''\")]` or `#[bot(default = \"CURRENT_TIMESTAMP\")]`",
            );
        }
        if field.attrs.auto_increment.is_set() {
            cx.error(
                span,
                "an `auto_increment` column takes its value from the server, not from a default",
                "remove `default`",
            );
        }
    }
}

/// Text fit to paste into a column definition: words, numbers, parentheses, commas and
/// single-quoted literals (`''` or `\'` inside them), and nothing that could end the
/// statement or start a comment.
pub(crate) fn is_sql_fragment(text: &str) -> bool {
    if text.trim().is_empty() {
        return false;
    }
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    None => return false,
                    Some('\\') => {
                        if chars.next().is_none() {
                            return false;
                        }
                    }
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                    }
                    Some('\'') => break,
                    Some(_) => {}
                }
            },
            '-' if chars.peek() == Some(&'-') => return false,
            c if c.is_ascii_alphanumeric() => {}
            '_' | '(' | ')' | ',' | ' ' | '.' | '-' | '+' => {}
            _ => return false,
        }
    }
    true
}

/// `auto_increment` names the server-generated id: the only key field, an integer (the
/// server numbers rows of one column; an id in a composite key would not identify a row).
fn check_auto_increment(cx: &Ctxt, entity: &Entity<'_>) {
    let keys = entity.keys().count();
    for field in entity.columns() {
        let Some(span) = field.attrs.auto_increment.span() else {
            continue;
        };
        let integer = field
            .column_type
            .is_some_and(|t| !t.nullable && matches!(t.value, ValueType::Int(_)));
        if !field.is_key || keys != 1 || !integer {
            cx.error(
                span,
                "`auto_increment` applies to the only key field, of an integer type",
                "use it on a single integer key, such as `#[bot(key, auto_increment)] id: u64`",
            );
        }
    }
}

/// Every table needs a primary key: upsert, load and delete all address rows by it. An
/// `append_only` table has none, and says so.
fn check_has_key(cx: &Ctxt, entity: &Entity<'_>) {
    if let Some(span) = entity.attrs.append_only.span() {
        if entity.keys().next().is_some() {
            cx.error(
                span,
                "an `append_only` entity has no primary key, but key fields are marked",
                "remove `append_only` to address rows by their key, or remove `key`/`primary_key(…)`",
            );
        }
        if entity.attrs.partition.is_set() {
            cx.error(
                span,
                "an `append_only` entity cannot be partitioned: RANGE partitions are by a key column",
                "remove `partition(…)`",
            );
        }
        return;
    }
    if entity.keys().next().is_none() {
        cx.error(
            entity.ident.span(),
            format_args!("`{}` has no key field", entity.ident),
            "mark the primary-key field(s) with `#[bot(key)]`, such as `#[bot(key)] bot_id: u32`; \
             several fields with `#[bot(key)]` form a composite key, or name them in key order with \
             `#[bot(primary_key(guid, slot))]` on the struct; a table with no primary key is \
             `#[bot(append_only)]`",
        );
    }
}

/// Table and column names must be plain SQL identifiers (reserved words are fine: every
/// statement quotes them).
fn check_identifiers(cx: &Ctxt, entity: &Entity<'_>) {
    let table = entity
        .attrs
        .table
        .get()
        .cloned()
        .unwrap_or_else(|| default_table_name(entity.ident));
    if let Err(problem) = check_identifier(&table) {
        let span = entity
            .attrs
            .table
            .span()
            .unwrap_or_else(|| entity.ident.span());
        cx.error(
            span,
            problem.describe(&table),
            "name the table with letters, digits and `_`, such as `#[bot(table = \"bot_state\")]`",
        );
    }
    for field in entity.columns() {
        let name = field.column_name();
        if let Err(problem) = check_identifier(&name) {
            cx.error(
                field.column_span(),
                problem.describe(&name),
                "rename the column with letters, digits and `_`, such as `#[bot(column = \"map_id\")]`",
            );
        }
    }
}

/// Two fields may not map to one column (a rename can collide with another field's name).
fn check_duplicate_columns(cx: &Ctxt, entity: &Entity<'_>) {
    let mut seen: HashMap<String, &Field<'_>> = HashMap::new();
    for field in entity.columns() {
        let name = field.column_name();
        let lower = name.to_ascii_lowercase();
        if let Some(first) = seen.get(&lower) {
            cx.error(
                field.column_span(),
                format_args!("duplicate column name `{name}`: field `{}` already maps to it (column names are case-insensitive)", first.ident),
                "give one of the fields another name with `#[bot(column = \"other_name\")]`",
            );
        } else {
            seen.insert(lower, field);
        }
    }
}

/// A skipped field is not a column, so no column attribute can apply to it.
fn check_skip_stands_alone(cx: &Ctxt, entity: &Entity<'_>) {
    for field in entity
        .fields
        .iter()
        .filter(|field| field.attrs.skip.is_set())
    {
        let a = &field.attrs;
        let others = [
            ("key", a.key.span()),
            ("partition_key", a.partition_key.span()),
            ("column", a.column.span()),
            ("max_len", a.max_len.span()),
            ("sql_type", a.sql_type.span()),
            ("unique", a.unique.span()),
            ("index", a.index.span()),
            ("repr", a.repr.span()),
        ];
        for (name, span) in others {
            if let Some(span) = span {
                cx.error(
                    span,
                    format_args!(
                        "`{name}` cannot be combined with `skip`: a skipped field is not stored"
                    ),
                    "remove `skip` to store the field, or remove the column attributes",
                );
            }
        }
    }
}

/// Primary-key, unique and indexed columns must be comparable and NOT NULL where the server
/// requires it, and strings need a length to be indexed at all.
fn check_key_types(cx: &Ctxt, entity: &Entity<'_>) {
    for field in entity.columns() {
        let Some(column_type) = field.column_type else {
            continue;
        };
        let indexed = [
            (
                "key",
                field.attrs.key.span().or_else(|| {
                    field
                        .is_key
                        .then(|| entity.attrs.primary_key.span())
                        .flatten()
                }),
            ),
            ("unique", field.attrs.unique.span()),
            ("index", field.attrs.index.span()),
        ];
        for (name, span) in indexed {
            let Some(span) = span else { continue };
            if name == "key" && column_type.nullable {
                cx.error(
                    span,
                    "a key field cannot be an `Option`: primary-key columns are NOT NULL",
                    "use the plain type, such as `bot_id: u32`",
                );
            }
            if matches!(column_type.value, ValueType::F32 | ValueType::F64) && name == "key" {
                cx.error(
                    span,
                    "a key field cannot be a float: equality on floats does not identify a row",
                    "use an integer or a string key",
                );
            }
            if column_type.value.takes_max_len()
                && !field.attrs.max_len.is_set()
                && field.attrs.sql_type.get().is_none()
            {
                cx.error(
                    span,
                    format_args!("a `{name}` column of type String or Vec<u8> needs `max_len`: TEXT and BLOB cannot be indexed whole"),
                    "add a length, such as `#[bot(key, max_len = 64)]`",
                );
            }
        }
    }
}

/// `max_len` sets VARCHAR(n)/VARBINARY(n), so it only fits strings and bytes.
fn check_max_len(cx: &Ctxt, entity: &Entity<'_>) {
    for field in entity.columns() {
        let (Some(&len), Some(span)) = (field.attrs.max_len.get(), field.attrs.max_len.span())
        else {
            continue;
        };
        let Some(column_type) = field.column_type else {
            continue;
        };
        if !column_type.value.accepts_max_len() {
            cx.error(
                span,
                format_args!(
                    "`max_len` applies to `String`, `Vec<u8>` and `by_name` fields, not to `{}`",
                    field.ident
                ),
                "remove `max_len`, or use `sql_type = \"...\"` to choose another SQL type",
            );
        } else if len == 0 || len > MAX_VARCHAR_CHARS {
            cx.error(
                span,
                format_args!("`max_len = {len}` is out of range"),
                format_args!("use 1..={MAX_VARCHAR_CHARS}, or leave `max_len` out for TEXT/BLOB"),
            );
        }
    }
}

/// `repr` tells the derive an enum's integer type; on a known type it would be ignored.
fn check_repr_only_on_enums(cx: &Ctxt, entity: &Entity<'_>) {
    for field in entity.columns() {
        let (Some(span), Some(column_type)) = (field.attrs.repr.span(), field.column_type) else {
            continue;
        };
        if field.attrs.by_name.is_set() {
            cx.error(
                span,
                "`repr` and `by_name` cannot both apply: an enum is stored as its integer or as its name",
                "keep `repr = u8` for an integer column, or `by_name` for an SQL ENUM column",
            );
        } else if !matches!(column_type.value, ValueType::Enum(_)) {
            cx.error(
                span,
                "`repr` applies to fields whose type is a `#[derive(BotEnum)]` enum",
                "remove `repr` from this field",
            );
        }
    }
}

/// An SQL type override is pasted into CREATE TABLE, so only type-like text is accepted.
fn check_sql_type(cx: &Ctxt, entity: &Entity<'_>) {
    for field in entity.columns() {
        let (Some(sql_type), Some(span)) =
            (field.attrs.sql_type.get(), field.attrs.sql_type.span())
        else {
            continue;
        };
        if !is_sql_fragment(sql_type) {
            cx.error(
                span,
                format_args!("`sql_type = \"{sql_type}\"` is not an SQL column type"),
                "the correct format looks like `#[bot(sql_type = \"DECIMAL(10,2)\")]` or `#[bot(sql_type = \"ENUM('a','b')\")]`",
            );
        }
    }
}

/// RANGE partitioning needs exactly one unsigned integer partition key that is part of the
/// primary key and of every unique key (else the server rejects the table, error 1503).
fn check_partitioning(cx: &Ctxt, entity: &Entity<'_>) {
    let partition_keys: Vec<&Field<'_>> = entity
        .columns()
        .filter(|f| f.attrs.partition_key.is_set())
        .collect();
    for extra in partition_keys.iter().skip(1) {
        cx.error(
            extra.attrs.partition_key.span().expect("set"),
            "only one field can be the `partition_key`",
            "keep `#[bot(partition_key)]` on the one field rows are routed by, such as `bot_id`",
        );
    }
    let partition_key = partition_keys.first();
    if let Some(field) = partition_key {
        let span = field.attrs.partition_key.span().expect("set");
        if let Some(column_type) = field.column_type {
            let unsigned = matches!(column_type.value, ValueType::Int(int) if !int.signed);
            if !unsigned || column_type.nullable {
                cx.error(
                    span,
                    format_args!("the partition key `{}` must be a plain unsigned integer (not signed, not an `Option`)", field.ident),
                    "use an id type such as `#[bot(key, partition_key)] bot_id: u32`",
                );
            }
        }
        if !field.is_key {
            cx.error(
                span,
                format_args!("the partition key `{}` is not part of the primary key; the server would reject the table (error 1503)", field.ident),
                format_args!("mark it as a key too: `#[bot(key, partition_key)] {}: ...`", field.ident),
            );
        }
    }
    let Some(partition_span) = entity.attrs.partition.span() else {
        return;
    };
    let Some(partition) = entity.attrs.partition.get() else {
        return;
    };
    if partition_key.is_none() {
        cx.error(
            partition_span,
            "`partition` needs a field marked `#[bot(partition_key)]`",
            "mark the id the ranges are over, such as `#[bot(key, partition_key)] bot_id: u32`",
        );
    }
    if partition.width == 0 || partition.count == 0 || partition.count > MAX_INITIAL_PARTITIONS {
        cx.error(
            partition_span,
            format_args!(
                "`partition(width = {}, count = {})` is out of range",
                partition.width, partition.count
            ),
            format_args!("use a width of at least 1 and a count in 1..={MAX_INITIAL_PARTITIONS}"),
        );
    }
    for field in entity.columns() {
        let Some(span) = field.attrs.unique.span() else {
            continue;
        };
        if !field.attrs.partition_key.is_set() {
            cx.error(
                span,
                format_args!("the unique key on `{}` does not include the partition key; the server would reject the partitioned table (error 1503)", field.ident),
                "use `#[bot(index)]` for a non-unique secondary index, or drop `partition(...)`",
            );
        }
    }
}

fn check_cache(cx: &Ctxt, entity: &Entity<'_>) {
    let (Some(cache), Some(span)) = (entity.attrs.cache.get(), entity.attrs.cache.span()) else {
        return;
    };
    if cache.capacity == 0 || cache.ttl_secs == Some(0) {
        cx.error(
            span,
            "a cache needs a capacity and a ttl of at least 1",
            "the correct format looks like `#[bot(cache(capacity = 10000, ttl_secs = 60))]`",
        );
    }
}
