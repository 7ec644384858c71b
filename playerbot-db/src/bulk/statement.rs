//! The text of bulk statements, composed from the derive's pieces and kept once per Db.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::{BotEntity, Dialect, EntityMeta};

/// What happens to a row whose key already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// Update the existing row (all non-key columns, or the chosen ones).
    Update,
    /// Keep the existing row as it is.
    Ignore,
}

/// Identifies one statement text: entity, dialect, conflict clause and row count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TextKey {
    /// The entity's Rust type: two types over one table have texts of their own.
    entity: TypeId,
    dialect: Dialect,
    conflict: Conflict,
    /// The updated columns (indices), when not all non-key columns.
    only: Option<Vec<usize>>,
    rows: usize,
}

/// Statement texts built so far; a handful per entity, so a lock per chunk is cheap.
#[derive(Debug, Default)]
pub(crate) struct StatementTexts {
    texts: Mutex<HashMap<TextKey, Arc<str>>>,
}

impl StatementTexts {
    /// `INSERT … VALUES (…), … (rows times) ON DUPLICATE KEY UPDATE …`.
    pub(super) fn upsert<E: BotEntity>(
        &self,
        dialect: Dialect,
        conflict: Conflict,
        only: Option<&[usize]>,
        rows: usize,
    ) -> Arc<str> {
        let meta = E::META;
        let key = TextKey {
            entity: TypeId::of::<E>(),
            dialect,
            conflict,
            only: only.map(<[usize]>::to_vec),
            rows,
        };
        let mut texts = self.texts.lock().expect("statement texts lock");
        texts
            .entry(key)
            .or_insert_with(|| build(meta, dialect, conflict, only, rows).into())
            .clone()
    }
}

fn build(
    meta: &'static EntityMeta,
    dialect: Dialect,
    conflict: Conflict,
    only: Option<&[usize]>,
    rows: usize,
) -> String {
    let sql = meta.statements(dialect);
    let tail = match (conflict, only) {
        // No key, so no conflict to settle: an append-only entity's rows are inserted.
        _ if meta.is_append_only() => String::new(),
        (Conflict::Ignore, _) => sql.ignore_tail.to_owned(),
        (Conflict::Update, None) => sql.upsert_tail.to_owned(),
        (Conflict::Update, Some(columns)) => {
            let assignments: Vec<&str> = columns.iter().map(|&i| sql.assignments[i]).collect();
            format!("{}{}", sql.update_prefix, assignments.join(", "))
        }
    };
    let mut text = String::with_capacity(
        sql.insert_head.len() + rows * (sql.row_placeholders.len() + 2) + tail.len(),
    );
    text.push_str(sql.insert_head);
    for row in 0..rows {
        if row > 0 {
            text.push_str(", ");
        }
        text.push_str(sql.row_placeholders);
    }
    text.push_str(&tail);
    text
}
