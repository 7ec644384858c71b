//! Each comparison of a live table with its entity: columns, collations, defaults and
//! AUTO_INCREMENT, keys, partitions; and the one form types and defaults are compared in.

use crate::catalog::{ColumnInfo, IndexInfo};
use crate::{ColumnMeta, Dialect, EntityMeta, ValueKind};

use super::SchemaDifference;

/// The collation (or charset) a text column must have: its own, else the table's, else the
/// binary NO PAD one of the derive's own tables.
pub(super) fn expected_collation(
    meta: &EntityMeta,
    column: &ColumnMeta,
    dialect: Dialect,
) -> Expected {
    match (
        column.collation,
        column.charset,
        meta.collation,
        meta.charset,
    ) {
        (Some(collation), ..) => Expected::Collation(collation),
        (None, Some(charset), ..) => Expected::Charset(charset),
        (None, None, Some(collation), _) => Expected::Collation(collation),
        (None, None, None, Some(charset)) => Expected::Charset(charset),
        (None, None, None, None) => Expected::Collation(dialect.string_collation()),
    }
}

pub(super) enum Expected {
    Collation(&'static str),
    Charset(&'static str),
}

/// `utf8_…` is the old name of `utf8mb3_…`; servers report either.
pub(super) fn canonical_charset_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.strip_prefix("utf8_") {
        Some(rest) => format!("utf8mb3_{rest}"),
        None if lower == "utf8" => "utf8mb3".to_owned(),
        None => lower,
    }
}

pub(super) fn compare_collations(
    meta: &EntityMeta,
    live: &[ColumnInfo],
    dialect: Dialect,
    out: &mut Vec<SchemaDifference>,
) {
    for column in meta
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ValueKind::Text { .. }))
    {
        let Some(found) = live.iter().find(|c| c.name == column.name) else {
            continue;
        };
        let (expected, found) = match expected_collation(meta, column, dialect) {
            Expected::Collation(expected) => (expected, found.collation.as_deref()),
            Expected::Charset(expected) => (expected, found.charset.as_deref()),
        };
        // Binary columns (a `sql_type` of VARBINARY, say) have neither.
        let Some(found) = found else { continue };
        if canonical_charset_name(found) != canonical_charset_name(expected) {
            out.push(SchemaDifference::Collation {
                column: column.name.to_owned(),
                expected: expected.to_owned(),
                found: found.to_owned(),
            });
        }
    }
}

/// AUTO_INCREMENT and defaults.
pub(super) fn compare_extras(
    meta: &EntityMeta,
    live: &[ColumnInfo],
    out: &mut Vec<SchemaDifference>,
) {
    for column in meta.columns {
        let Some(found) = live.iter().find(|c| c.name == column.name) else {
            continue;
        };
        let numbered = found.is_auto_increment();
        if numbered != column.auto_increment {
            out.push(SchemaDifference::AutoIncrement {
                column: column.name.to_owned(),
                expected: column.auto_increment,
            });
        }
        let live_column = found;
        let (expected, found) = (
            column.default.and_then(normalize_default),
            live_column.default.as_deref().and_then(normalize_default),
        );
        if expected != found {
            out.push(SchemaDifference::Default {
                column: column.name.to_owned(),
                expected: column.default.map(str::to_owned),
                attribute: found
                    .as_deref()
                    .map(|found| default_attribute(live_column, found)),
                found,
            });
        }
    }
}

/// The attribute that declares `column`'s default (`found`, normalized) as the derive takes
/// it: SQL text, so a string is quoted; an expression on a NOT NULL column is the server's to
/// fill (`server_default`, on an `Option` field).
pub(super) fn default_attribute(column: &ColumnInfo, found: &str) -> String {
    let raw = column.default.as_deref().unwrap_or_default().trim();
    let expression = column.has_expression_default();
    let sql = if found == "current_timestamp" {
        "current_timestamp()".to_owned()
    } else if expression {
        raw.to_owned()
    } else if column.is_numeric() {
        found.to_owned()
    } else {
        format!("'{}'", found.replace('\'', "''"))
    };
    let not_null = !column.nullable;
    let word = if expression && not_null {
        "server_default"
    } else {
        "default"
    };
    format!("{word} = {sql:?}")
}

/// A default in one form: MariaDB reports string literals quoted and `current_timestamp()`,
/// MySQL reports literals bare and `CURRENT_TIMESTAMP`; `NULL` is no default at all.
pub fn normalize_default(default: &str) -> Option<String> {
    let trimmed = default.trim();
    let unquoted = match trimmed
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
    {
        Some(inner) => inner.replace("''", "'"),
        None => {
            let lower = trimmed.to_ascii_lowercase();
            if lower == "null" {
                return None;
            }
            match lower.as_str() {
                "current_timestamp()" | "now()" | "current_timestamp" => {
                    "current_timestamp".to_owned()
                }
                _ => trimmed.to_owned(),
            }
        }
    };
    Some(unquoted)
}

pub(super) fn compare_columns(
    meta: &EntityMeta,
    live: &[ColumnInfo],
    out: &mut Vec<SchemaDifference>,
) {
    for column in meta.columns {
        match live.iter().find(|found| found.name == column.name) {
            None => out.push(SchemaDifference::MissingColumn {
                column: column.name.to_owned(),
            }),
            Some(found_column) => {
                let (expected, found) = (
                    normalize_type(column.sql_type),
                    normalize_type(&found_column.column_type),
                );
                if expected != found {
                    out.push(SchemaDifference::ColumnType {
                        column: column.name.to_owned(),
                        expected,
                        found,
                    });
                }
                if found_column.nullable != column.nullable {
                    out.push(SchemaDifference::Nullability {
                        column: column.name.to_owned(),
                        expected_nullable: column.nullable,
                    });
                }
            }
        }
    }
    for found in live {
        if meta.column(&found.name).is_none() {
            out.push(SchemaDifference::ExtraColumn {
                column: found.name.clone(),
            });
        }
    }
    let expected: Vec<String> = meta.columns.iter().map(|c| c.name.to_owned()).collect();
    let found: Vec<String> = live.iter().map(|found| found.name.clone()).collect();
    let same_set =
        expected.len() == found.len() && expected.iter().all(|name| found.contains(name));
    if same_set && expected != found {
        out.push(SchemaDifference::ColumnOrder { expected, found });
    }
}

pub(super) fn compare_keys(
    meta: &EntityMeta,
    indexes: &[IndexInfo],
    out: &mut Vec<SchemaDifference>,
) {
    let expected: Vec<String> = meta.key_columns().map(|c| c.name.to_owned()).collect();
    let found: Vec<String> = indexes
        .iter()
        .find(|index| index.name == "PRIMARY")
        .map(|index| index.columns.clone())
        .unwrap_or_default();
    if expected != found {
        out.push(SchemaDifference::PrimaryKey {
            expected: expected.clone(),
            found,
        });
    }
    let live = live_keys(indexes, &expected);
    // Single-column secondary keys, which are the ones a field's `index`/`unique` declares.
    let single = |unique: bool| -> Vec<String> {
        live.iter()
            .filter(|(columns, is_unique)| columns.len() == 1 && *is_unique == unique)
            .map(|(columns, _)| columns[0].clone())
            .collect()
    };
    let (live_unique, live_indexed) = (single(true), single(false));
    compare_composite_keys(meta, &live, out);
    for column in meta.columns {
        let has_unique = live_unique.iter().any(|c| c == column.name);
        if has_unique != column.unique {
            out.push(SchemaDifference::UniqueKey {
                column: column.name.to_owned(),
                expected: column.unique,
            });
        }
        let has_index = live_indexed.iter().any(|c| c == column.name);
        if has_index != column.indexed {
            out.push(SchemaDifference::Index {
                column: column.name.to_owned(),
                expected: column.indexed,
            });
        }
    }
}

/// The secondary keys as (columns in order, unique). A non-unique key that ends with the
/// primary key's columns counts without them: the derive writes them out (see the SQL
/// crate's DDL) and tables made elsewhere usually leave them implicit, and both are the
/// same lookup.
pub(super) fn live_keys(indexes: &[IndexInfo], primary: &[String]) -> Vec<(Vec<String>, bool)> {
    indexes
        .iter()
        .filter(|index| index.name != "PRIMARY")
        .map(|index| {
            let mut columns = index.columns.clone();
            let own = (1..columns.len()).find(|&own| {
                let suffix = primary.iter().filter(|k| !columns[..own].contains(k));
                !primary.is_empty() && columns[own..].iter().eq(suffix)
            });
            if let Some(own) = own.filter(|_| !index.unique) {
                columns.truncate(own);
            }
            (columns, index.unique)
        })
        .collect()
}

/// Keys over several columns, compared as (columns in order, unique).
pub(super) fn compare_composite_keys(
    meta: &EntityMeta,
    live: &[(Vec<String>, bool)],
    out: &mut Vec<SchemaDifference>,
) {
    let live: Vec<(Vec<String>, bool)> = live
        .iter()
        .filter(|(columns, _)| columns.len() > 1)
        .cloned()
        .collect();
    let declared: Vec<(Vec<String>, bool)> = meta
        .indexes
        .iter()
        .map(|index| {
            let columns = index.columns.iter().map(|c| (*c).to_owned()).collect();
            (columns, index.unique)
        })
        .collect();
    for (columns, unique) in &declared {
        if !live.contains(&(columns.clone(), *unique)) {
            out.push(SchemaDifference::CompositeKey {
                columns: columns.clone(),
                unique: *unique,
                expected: true,
            });
        }
    }
    for (columns, unique) in live {
        if !declared.contains(&(columns.clone(), unique)) {
            out.push(SchemaDifference::CompositeKey {
                columns,
                unique,
                expected: false,
            });
        }
    }
}

pub(super) fn compare_partitions(
    meta: &EntityMeta,
    live: &[(String, Option<String>)],
    out: &mut Vec<SchemaDifference>,
) {
    let found: Vec<String> = live
        .iter()
        .map(|(name, bound)| format!("{name} < {}", bound.as_deref().unwrap_or("?")))
        .collect();
    let expected: Vec<String> = match meta.partitioning {
        None => Vec::new(),
        Some(partitioning) => (0..u64::from(partitioning.count))
            .map(|n| format!("p{n} < {}", partitioning.upper_bound(n)))
            .chain(std::iter::once("pmax < MAXVALUE".to_owned()))
            .collect(),
    };
    // Maintenance adds partitions before `pmax` as ids grow; those are expected.
    let grown = expected.len() > 1
        && found.len() >= expected.len()
        && found[..expected.len() - 1] == expected[..expected.len() - 1]
        && found.last() == expected.last();
    if expected != found && !grown {
        out.push(SchemaDifference::Partitions { expected, found });
    }
}

/// Puts generated and reported types in one form: lower case, single spaces, and no integer
/// display widths (MariaDB reports `int(10) unsigned`, MySQL 8.0.19+ `int unsigned`), except
/// `tinyint(1)`, which both keep because it means boolean.
pub fn normalize_type(sql_type: &str) -> String {
    let lower = sql_type.trim().to_ascii_lowercase();
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = match lower.as_str() {
        "boolean" | "bool" => "tinyint".to_owned(),
        _ => lower.replacen("integer", "int", 1),
    };
    for int in ["tinyint", "smallint", "mediumint", "bigint", "int"] {
        let Some(rest) = lower.strip_prefix(int) else {
            continue;
        };
        // A display width changes nothing stored (MySQL 8 no longer shows it), `tinyint(1)`
        // included: a table that holds a bool in `tinyint(4)` is the same table.
        let Some((_, after)) = rest.strip_prefix('(').and_then(|r| r.split_once(')')) else {
            return lower;
        };
        return format!("{int}{after}");
    }
    lower
}
