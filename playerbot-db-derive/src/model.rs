//! The table as plain data, the input of the pure SQL builders in `sql/`.

use syn::Ident;

use crate::ast::Entity;

pub(crate) struct Table {
    pub(crate) name: String,
    pub(crate) columns: Vec<Column>,
    /// Positions in `columns` of the primary key, in key order.
    pub(crate) key_order: Vec<usize>,
    /// Keys over several columns (`unique(a, b)`, `index(a, b)` on the struct).
    pub(crate) indexes: Vec<Index>,
    pub(crate) partition: Option<Partition>,
    /// `engine`, `charset` and `collation` on the struct; `None` means the project's default
    /// (InnoDB, utf8mb4 with a binary NO PAD collation).
    pub(crate) engine: Option<String>,
    pub(crate) charset: Option<String>,
    pub(crate) collation: Option<String>,
}

pub(crate) struct Index {
    /// Positions in `Table::columns`, in index order.
    pub(crate) columns: Vec<usize>,
    pub(crate) unique: bool,
}

pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) sql_type: String,
    pub(crate) nullable: bool,
    pub(crate) key: bool,
    pub(crate) unique: bool,
    pub(crate) index: bool,
    /// The server numbers new rows (`AUTO_INCREMENT`).
    pub(crate) auto_increment: bool,
    /// Column-level `charset`/`collation` (text columns only).
    pub(crate) charset: Option<String>,
    pub(crate) collation: Option<String>,
    /// The `DEFAULT` clause's SQL text.
    pub(crate) default: Option<String>,
    /// `server_default`: NOT NULL, and a NULL param means "leave it to the server".
    pub(crate) unset_when_null: bool,
    /// A `String` column (charsets and collations apply).
    pub(crate) text: bool,
}

/// RANGE partitions `p0..p{count-1}` of `width` ids each, then `pmax` up to MAXVALUE.
pub(crate) struct Partition {
    pub(crate) column: String,
    pub(crate) width: u64,
    pub(crate) count: u32,
}

impl Table {
    /// Builds the model of an entity that passed `check`.
    pub(crate) fn from_entity(entity: &Entity<'_>) -> Table {
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

    /// The primary-key columns in key order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Column> {
        self.key_order.iter().map(|&i| &self.columns[i])
    }

    /// Whether any key, of one column or several, is unique besides the primary key.
    pub(crate) fn has_unique(&self) -> bool {
        self.columns.iter().any(|c| c.unique) || self.indexes.iter().any(|i| i.unique)
    }

    /// The lookups the derive generates, as column positions: each proper prefix of a
    /// composite key (shortest first), then each `index` or `unique` column, then each
    /// struct-level `index(…)`/`unique(…)`, leaving out repeats and the primary key itself.
    /// The runtime refers to them by position in this list.
    pub(crate) fn lookups(&self) -> Vec<Vec<usize>> {
        let keys = self.key_order.clone();
        let mut lookups: Vec<Vec<usize>> = (1..keys.len()).map(|n| keys[..n].to_vec()).collect();
        for (i, column) in self.columns.iter().enumerate() {
            if (column.index || column.unique) && !lookups.contains(&vec![i]) && keys != [i] {
                lookups.push(vec![i]);
            }
        }
        for index in &self.indexes {
            if !lookups.contains(&index.columns) && keys != index.columns {
                lookups.push(index.columns.clone());
            }
        }
        lookups
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
