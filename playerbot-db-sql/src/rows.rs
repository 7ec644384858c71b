//! Statements over many rows at once, whose size is known only at run time: multi-row
//! inserts and upserts, key IN-lists, and the unique-value probe of a bulk save.

use crate::quote::{ident, ident_list};

/// `` INSERT INTO `t` (`a`, `b`) VALUES ``: multi-row statements repeat a placeholder group
/// after it.
pub fn insert_head<'a>(table: &str, columns: impl IntoIterator<Item = &'a str>) -> String {
    format!(
        "INSERT INTO {} ({}) VALUES ",
        ident(table),
        ident_list(columns)
    )
}

/// `(?, ?, ?)`: one row of `columns` placeholders.
pub fn row_placeholders(columns: usize) -> String {
    format!("({})", vec!["?"; columns].join(", "))
}

/// `head` + `rows` copies of `placeholders` separated by commas + `tail`.
pub fn repeat_rows(head: &str, placeholders: &str, rows: usize, tail: &str) -> String {
    let mut text = String::with_capacity(head.len() + rows * (placeholders.len() + 2) + tail.len());
    text.push_str(head);
    for row in 0..rows {
        if row > 0 {
            text.push_str(", ");
        }
        text.push_str(placeholders);
    }
    text.push_str(tail);
    text
}

/// A duplicate-key clause that updates only `assignments` (taken from the entity's
/// statements), after the entity's `update_prefix`.
pub fn update_clause(update_prefix: &str, assignments: &[&str]) -> String {
    format!("{update_prefix}{}", assignments.join(", "))
}

/// `` `k` IN (?, ?) `` for a one-column key, `` (`a`, `b`) IN ((?, ?), (?, ?)) `` for a
/// composite one: `rows` keys.
pub fn key_in_list(key_columns: &[&str], rows: usize) -> String {
    let keys = ident_list(key_columns.iter().copied());
    if key_columns.len() == 1 {
        return format!("{keys} IN ({})", vec!["?"; rows].join(", "));
    }
    let group = row_placeholders(key_columns.len());
    format!("({keys}) IN ({})", vec![group; rows].join(", "))
}

/// The rows of `rows` keys: an entity's `select_head` with a key IN-list.
pub fn select_by_keys(select_head: &str, key_columns: &[&str], rows: usize) -> String {
    format!("{select_head} WHERE {}", key_in_list(key_columns, rows))
}

/// The rows whose `columns` hold any of `values` value lists, in key order: one lookup
/// (a key prefix, an indexed column) for many values at once.
pub fn select_by_values(
    select_head: &str,
    columns: &[&str],
    key_columns: &[&str],
    values: usize,
) -> String {
    format!(
        "{select_head} WHERE {} ORDER BY {}",
        key_in_list(columns, values),
        ident_list(key_columns.iter().copied())
    )
}

/// Which rows hold any of `values` unique values of `column`: the key columns and the value,
/// for telling which incoming row would collide with another key's row.
pub fn unique_holders(table: &str, key_columns: &[&str], column: &str, values: usize) -> String {
    format!(
        "SELECT {}, {} FROM {} WHERE {} IN ({})",
        ident_list(key_columns.iter().copied()),
        ident(column),
        ident(table),
        ident(column),
        vec!["?"; values].join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        let head = insert_head("bot_state", ["bot_id", "map_id"]);
        let row = row_placeholders(2);
        let text = [
            repeat_rows(&head, &row, 1, ""),
            repeat_rows(
                &head,
                &row,
                3,
                " ON DUPLICATE KEY UPDATE `map_id` = VALUES(`map_id`)",
            ),
            update_clause(
                " ON DUPLICATE KEY UPDATE ",
                &["`a` = VALUES(`a`)", "`b` = VALUES(`b`)"],
            ),
            key_in_list(&["bot_id"], 3),
            key_in_list(&["bot_id", "event"], 2),
            select_by_keys(
                "SELECT `bot_id`, `event` FROM `bot_event`",
                &["bot_id", "event"],
                2,
            ),
            unique_holders("bot_account", &["id"], "name", 3),
            select_by_values(
                "SELECT `bot_id`, `event` FROM `bot_event`",
                &["bot_id"],
                &["bot_id", "event"],
                3,
            ),
        ]
        .join(";\n");
        insta::assert_snapshot!("rows", text);
    }

    #[test]
    fn large_statements_have_every_row() {
        let text = repeat_rows("INSERT INTO `t` (`a`) VALUES ", "(?)", 5_000, "");
        assert_eq!(text.matches('?').count(), 5_000);
        assert_eq!(key_in_list(&["a"], 1_000).matches('?').count(), 1_000);
    }
}
