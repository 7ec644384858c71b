//! A [`TableInfo`] as the Rust source of its entity.

use std::fmt::Write;

use playerbot_db::catalog::{ColumnInfo, TableInfo};
use playerbot_db::schema_check::normalize_type;
use playerbot_db::Dialect;

/// Rust keywords a field cannot be named without `r#`.
const KEYWORDS: [&str; 38] = [
    "as", "async", "await", "box", "break", "const", "continue", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "unsafe", "use",
    "where", "while", "yield",
];

/// The entity for `table`, as a struct with its attributes. Columns of a type the derive
/// cannot map (TIME, BIT, spatial types) are left out with a comment saying so.
pub fn render_entity(table: &TableInfo, dialect: Dialect) -> String {
    let mut out = String::new();
    let mut struct_items = vec![format!("table = {:?}", table.name)];
    if !table.engine.eq_ignore_ascii_case("InnoDB") {
        struct_items.push(format!("engine = {:?}", table.engine));
    }
    let default_storage = table.charset.as_deref() == Some("utf8mb4")
        && table.collation.as_deref() == Some(dialect.string_collation());
    if !default_storage {
        if let Some(charset) = &table.charset {
            struct_items.push(format!("charset = {charset:?}"));
        }
        if let Some(collation) = &table.collation {
            struct_items.push(format!("collation = {collation:?}"));
        }
    }
    let primary: Vec<&str> = table
        .primary_key()
        .map(|key| key.columns.iter().map(String::as_str).collect())
        .unwrap_or_default();
    // `key` on fields when the key's columns come in table order, else `primary_key(…)`.
    let in_table_order: Vec<&str> = table
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|name| primary.contains(name))
        .collect();
    let keys_on_fields = in_table_order == primary;
    if primary.is_empty() {
        struct_items.push("append_only".to_owned());
    } else if !keys_on_fields {
        struct_items.push(format!("primary_key({})", field_list(&primary)));
    }
    for index in table.indexes.iter().filter(|i| i.name != "PRIMARY") {
        if index.columns.len() > 1 {
            let columns: Vec<&str> = index.columns.iter().map(String::as_str).collect();
            let word = if index.unique { "unique" } else { "index" };
            struct_items.push(format!("{word}({})", field_list(&columns)));
        }
    }

    writeln!(out, "/// The `{}` table.", table.name).expect("write to String");
    if table.partitioned {
        out.push_str("/// The table is partitioned: add `partition(width = …, count = …)` if its ranges are by an id.\n");
    }
    out.push_str("#[derive(Debug, Clone, PartialEq, BotEntity)]\n");
    writeln!(out, "#[bot({})]", struct_items.join(", ")).expect("write to String");
    writeln!(out, "pub struct {} {{", struct_name(&table.name)).expect("write to String");
    for column in &table.columns {
        let Some((rust_type, mut items)) = field_type(column) else {
            writeln!(
                out,
                "    // `{}` ({}) has no mapping and is left out: its server default fills it on insert.",
                column.name, column.column_type
            )
            .expect("write to String");
            continue;
        };
        let (field, renamed) = field_name(&column.name);
        let mut leading = Vec::new();
        if primary.contains(&column.name.as_str()) && keys_on_fields {
            leading.push("key".to_owned());
        }
        if column.is_auto_increment() {
            leading.push("auto_increment".to_owned());
        }
        for index in table.indexes.iter().filter(|i| i.name != "PRIMARY") {
            if index.columns == [column.name.clone()] {
                leading.push(if index.unique { "unique" } else { "index" }.to_owned());
            }
        }
        if renamed {
            leading.push(format!("column = {:?}", column.name));
        }
        leading.append(&mut items);
        if let Some(collation) = text_collation(table, column) {
            leading.extend(collation);
        }
        // A NOT NULL column the server fills by itself (a creation time) is an `Option`:
        // `None` leaves it to the server on insert and unchanged on update.
        let server_filled = !column.nullable && column.has_expression_default();
        if let Some(default) = default_clause(column, dialect) {
            let word = if server_filled {
                "server_default"
            } else {
                "default"
            };
            leading.push(format!("{word} = {default:?}"));
        }
        if !leading.is_empty() {
            writeln!(out, "    #[bot({})]", leading.join(", ")).expect("write to String");
        }
        let rust_type = if column.nullable || server_filled {
            format!("Option<{rust_type}>")
        } else {
            rust_type
        };
        writeln!(out, "    pub {field}: {rust_type},").expect("write to String");
    }
    out.push_str("}\n");
    out
}

/// Field names for column names, comma separated.
fn field_list(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|column| field_name(column).0)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `bot_names` → `BotNames`, `character_aura` → `CharacterAura`.
pub fn struct_name(table: &str) -> String {
    let mut out = String::with_capacity(table.len());
    for word in table.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert_str(0, "Table");
    }
    out
}

/// The field for a column: snake case (`zoneId` → `zone_id`), `r#` for keywords; and
/// whether the column must be named (`column = "zoneId"`).
fn field_name(column: &str) -> (String, bool) {
    let mut snake = String::with_capacity(column.len() + 4);
    let chars: Vec<char> = column.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if prev_lower || (prev_upper && next_lower) {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c);
        }
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake.insert(0, '_');
    }
    // `self`, `super`, `crate` cannot be raw identifiers.
    if matches!(snake.as_str(), "self" | "super" | "crate") {
        snake.push('_');
    }
    let renamed = snake != column;
    if KEYWORDS.contains(&snake.as_str()) {
        return (format!("r#{snake}"), renamed);
    }
    (snake, renamed)
}

/// The Rust type and the attributes that make the derive's column the live one.
fn field_type(column: &ColumnInfo) -> Option<(String, Vec<String>)> {
    let live = normalize_type(&column.column_type);
    let unsigned = live.contains("unsigned");
    let int = |signed: &str, unsigned_name: &str| {
        if unsigned { unsigned_name } else { signed }.to_owned()
    };
    let (rust, derived_sql): (String, String) = match column.data_type.as_str() {
        "tinyint" if column.column_type.eq_ignore_ascii_case("tinyint(1)") => {
            ("bool".into(), "tinyint".into())
        }
        "tinyint" => (int("i8", "u8"), int("tinyint", "tinyint unsigned")),
        "smallint" => (int("i16", "u16"), int("smallint", "smallint unsigned")),
        "mediumint" | "int" => (int("i32", "u32"), int("int", "int unsigned")),
        "bigint" => (int("i64", "u64"), int("bigint", "bigint unsigned")),
        "float" => ("f32".into(), "float".into()),
        "double" => ("f64".into(), "double".into()),
        "decimal" => {
            // A whole number that fits i64 reads as one; anything else as its text.
            let scale_zero = live.ends_with(",0)") || !live.contains(',');
            let digits: u32 = live
                .trim_start_matches("decimal(")
                .split([',', ')'])
                .next()
                .and_then(|d| d.parse().ok())
                .unwrap_or(10);
            if scale_zero && digits <= 18 {
                ("i64".into(), String::new())
            } else {
                ("String".into(), String::new())
            }
        }
        "varchar" => {
            let len = column.max_len?;
            return Some(("String".into(), vec![format!("max_len = {len}")]));
        }
        "varbinary" => {
            let len = column.max_len?;
            return Some(("Vec<u8>".into(), vec![format!("max_len = {len}")]));
        }
        "text" => ("String".into(), "text".into()),
        "blob" => ("Vec<u8>".into(), "blob".into()),
        "char" | "tinytext" | "mediumtext" | "longtext" | "enum" | "set" | "json" => {
            ("String".into(), String::new())
        }
        "binary" | "tinyblob" | "mediumblob" | "longblob" => ("Vec<u8>".into(), String::new()),
        "datetime" | "timestamp" | "date" => {
            let mut items = vec!["unix_time".to_owned()];
            if live != "datetime" {
                items.push(format!("sql_type = {:?}", live));
            }
            return Some(("i64".into(), items));
        }
        "year" => ("u16".into(), String::new()),
        _ => return None,
    };
    let mut items = Vec::new();
    if normalize_type(&derived_sql) != live {
        // Integer display widths are noise; everything else is kept as the server wrote it.
        let written = if ["tinyint", "smallint", "mediumint", "int", "bigint"]
            .contains(&column.data_type.as_str())
        {
            live
        } else {
            column.column_type.clone()
        };
        items.push(format!("sql_type = {written:?}"));
    }
    Some((rust, items))
}

/// `collation = …` (and `charset = …`) for a text column whose collation is not the table's.
fn text_collation(table: &TableInfo, column: &ColumnInfo) -> Option<Vec<String>> {
    let collation = column.collation.as_ref()?;
    if Some(collation) == table.collation.as_ref() {
        return None;
    }
    let mut items = Vec::new();
    if column.charset != table.charset {
        if let Some(charset) = &column.charset {
            items.push(format!("charset = {charset:?}"));
        }
    }
    items.push(format!("collation = {collation:?}"));
    Some(items)
}

/// The column's default as SQL text: MariaDB reports it so (`'RELEASED'`, `0`,
/// `current_timestamp()`); MySQL reports literals bare, so those are quoted here.
fn default_clause(column: &ColumnInfo, dialect: Dialect) -> Option<String> {
    let default = column.default.as_ref()?;
    if column.is_auto_increment() {
        return None;
    }
    let bare_literal = dialect == Dialect::MySql
        && !column.is_numeric()
        && !column.extra.contains("default_generated")
        && !default.starts_with('\'');
    Some(if bare_literal {
        format!("'{}'", default.replace('\'', "''"))
    } else {
        default.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(struct_name("bot_names"), "BotNames");
        assert_eq!(struct_name("character_aura"), "CharacterAura");
        assert_eq!(field_name("guid"), ("guid".into(), false));
        assert_eq!(field_name("zoneId"), ("zone_id".into(), true));
        assert_eq!(field_name("type"), ("r#type".into(), false));
        assert_eq!(field_name("Flags"), ("flags".into(), true));
        assert_eq!(field_name("self"), ("self_".into(), true));
    }
}
