//! The table as plain data, the input of the pure SQL builders in `sql/`.

use syn::Ident;

use crate::ast::Entity;

pub(crate) struct Table {
    pub(crate) name: String,
    pub(crate) columns: Vec<Column>,
    pub(crate) partition: Option<Partition>,
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
                    nullable: column_type.nullable,
                    key: field.attrs.key.is_set(),
                    unique: field.attrs.unique.is_set(),
                    index: field.attrs.index.is_set(),
                    auto_increment: field.attrs.auto_increment.is_set(),
                }
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
            partition,
        }
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|column| column.key)
    }

    /// The lookups the derive generates, as column positions: each proper prefix of a
    /// composite key (shortest first), then each `index` or `unique` column that is not
    /// already such a prefix. The runtime refers to them by position in this list.
    pub(crate) fn lookups(&self) -> Vec<Vec<usize>> {
        let keys: Vec<usize> = (0..self.columns.len())
            .filter(|&i| self.columns[i].key)
            .collect();
        let mut lookups: Vec<Vec<usize>> = (1..keys.len()).map(|n| keys[..n].to_vec()).collect();
        for (i, column) in self.columns.iter().enumerate() {
            if (column.index || column.unique) && !lookups.contains(&vec![i]) && keys != [i] {
                lookups.push(vec![i]);
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
