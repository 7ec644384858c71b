//! The bridge from the parsed struct to the table model the SQL crate builds statements from.

use syn::Ident;

use playerbot_db_sql::entity::{Column, Index, Partition, Table};

use crate::ast::Entity;

/// Builds the model of an entity that passed `check`.
pub(crate) fn table_of(entity: &Entity<'_>) -> Table {
    let columns = entity
        .columns()
        .map(|field| {
            let column_type = field.column_type.expect("checked: every column has a type");
            let max_len = field.attrs.max_len.get().copied();
            Column {
                name: field.column_name(),
                sql_type: field
                    .attrs
                    .sql_type
                    .get()
                    .map(|custom| custom.trim().to_owned())
                    .unwrap_or_else(|| column_type.value.sql_type(max_len)),
                // A `server_default` field is an `Option` over a NOT NULL column.
                nullable: column_type.nullable && !field.attrs.server_default.is_set(),
                key: field.is_key,
                unique: field.attrs.unique.is_set(),
                index: field.attrs.index.is_set(),
                auto_increment: field.attrs.auto_increment.is_set(),
                charset: field.attrs.charset.get().cloned(),
                collation: field.attrs.collation.get().cloned(),
                default: field
                    .attrs
                    .default
                    .get()
                    .or(field.attrs.server_default.get())
                    .map(|text| text.trim().to_owned()),
                unset_when_null: field.attrs.server_default.is_set(),
                text: column_type.value.is_text(),
            }
        })
        .collect();
    // Field positions → column positions (skipped fields are not columns).
    let column_of = |name: &syn::Ident| {
        let wanted = name.to_string();
        let wanted = wanted.trim_start_matches("r#");
        entity
            .columns()
            .position(|field| field.plain_name() == wanted)
    };
    let key_order = entity
        .keys()
        .filter_map(|field| column_of(field.ident))
        .collect();
    let indexes = entity
        .attrs
        .indexes
        .iter()
        .map(|index| Index {
            columns: index.fields.iter().filter_map(column_of).collect(),
            unique: index.unique,
        })
        .collect();
    let partition = entity.attrs.partition.get().and_then(|partition| {
        let field = entity.columns().find(|f| f.attrs.partition_key.is_set())?;
        Some(Partition {
            column: field.column_name(),
            width: partition.width,
            count: partition.count,
        })
    });
    Table {
        name: entity
            .attrs
            .table
            .get()
            .cloned()
            .unwrap_or_else(|| default_table_name(entity.ident)),
        columns,
        key_order,
        indexes,
        partition,
        engine: entity.attrs.engine.get().cloned(),
        charset: entity.attrs.charset.get().cloned(),
        collation: entity.attrs.collation.get().cloned(),
    }
}

/// `BotState` → `bot_state`, `AIValue` → `ai_value`.
pub(crate) fn default_table_name(ident: &Ident) -> String {
    snake_case(&ident.to_string())
}

fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_splits_words_and_acronyms() {
        assert_eq!(snake_case("BotState"), "bot_state");
        assert_eq!(snake_case("AIValue"), "ai_value");
        assert_eq!(snake_case("Bot2Event"), "bot2_event");
        assert_eq!(snake_case("equipment"), "equipment");
    }
}
