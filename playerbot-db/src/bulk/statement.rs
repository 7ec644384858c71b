//! The text of bulk statements, composed from the derive's pieces and kept once per Db.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use playerbot_db_sql::rows as many_rows;

use crate::unset::{is_unset, written_columns, Unset};
use crate::{BotEntity, Dialect, EntityMeta};

/// What happens to a row whose key already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// Update the existing row (all non-key columns, or the chosen ones).
    Update,
    /// Keep the existing row as it is.
    Ignore,
}

/// Identifies one statement text: entity, dialect, conflict clause, row count and the
/// columns left to the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TextKey {
    /// The entity's Rust type: two types over one table have texts of their own.
    entity: TypeId,
    dialect: Dialect,
    /// `None`: a plain insert.
    conflict: Option<Conflict>,
    /// The updated columns (indices), when not all non-key columns.
    only: Option<Vec<usize>>,
    rows: usize,
    unset: Unset,
}

/// Statement texts built so far; a handful per entity, so a lock per chunk is cheap.
#[derive(Debug, Default)]
pub(crate) struct StatementTexts {
    texts: Mutex<HashMap<TextKey, Arc<str>>>,
}

impl StatementTexts {
    /// `INSERT … VALUES (…), … (rows times) ON DUPLICATE KEY UPDATE …`, without the
    /// `unset` columns; `conflict` `None` is a plain insert.
    pub(crate) fn upsert<E: BotEntity>(
        &self,
        dialect: Dialect,
        conflict: Option<Conflict>,
        only: Option<&[usize]>,
        rows: usize,
        unset: Unset,
    ) -> Arc<str> {
        self.text(
            TypeId::of::<E>(),
            E::META,
            dialect,
            conflict,
            only,
            rows,
            unset,
        )
    }

    /// The single-row insert (`upsert` false) or upsert of the entity `entity` (described by
    /// `meta`) for a row that leaves `unset` columns to the server.
    pub(crate) fn single_row(
        &self,
        entity: TypeId,
        meta: &'static EntityMeta,
        dialect: Dialect,
        upsert: bool,
        unset: Unset,
    ) -> Arc<str> {
        let conflict = upsert.then_some(Conflict::Update);
        self.text(entity, meta, dialect, conflict, None, 1, unset)
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &self,
        entity: TypeId,
        meta: &'static EntityMeta,
        dialect: Dialect,
        conflict: Option<Conflict>,
        only: Option<&[usize]>,
        rows: usize,
        unset: Unset,
    ) -> Arc<str> {
        let key = TextKey {
            entity,
            dialect,
            conflict,
            only: only.map(<[usize]>::to_vec),
            rows,
            unset,
        };
        let mut texts = self.texts.lock().expect("statement texts lock");
        texts
            .entry(key)
            .or_insert_with(|| build(meta, dialect, conflict, only, rows, unset).into())
            .clone()
    }
}

fn build(
    meta: &'static EntityMeta,
    dialect: Dialect,
    conflict: Option<Conflict>,
    only: Option<&[usize]>,
    rows: usize,
    unset: Unset,
) -> String {
    let sql = meta.statements(dialect);
    let tail = match (conflict, only) {
        // No key, so no conflict to settle: an append-only entity's rows are inserted.
        _ if meta.is_append_only() => String::new(),
        (None, _) => String::new(),
        (Some(Conflict::Ignore), _) => sql.ignore_tail.to_owned(),
        (Some(Conflict::Update), None) if unset == 0 => sql.upsert_tail.to_owned(),
        (Some(Conflict::Update), only) => {
            // The chosen columns (or every non-key one), less those left unset: an upsert
            // that finds the row keeps what they hold.
            let updated: Vec<&str> = (0..meta.columns.len())
                .filter(|&i| only.map_or(!meta.columns[i].key, |only| only.contains(&i)))
                .filter(|&i| !is_unset(unset, i))
                .map(|i| sql.assignments[i])
                .collect();
            if updated.is_empty() {
                sql.ignore_tail.to_owned()
            } else {
                many_rows::update_clause(sql.update_prefix, &updated)
            }
        }
    };
    if unset == 0 {
        return many_rows::repeat_rows(sql.insert_head, sql.row_placeholders, rows, &tail);
    }
    let written: Vec<usize> = written_columns(meta, unset).collect();
    let head = many_rows::insert_head(meta.table, written.iter().map(|&i| meta.columns[i].name));
    many_rows::repeat_rows(
        &head,
        &many_rows::row_placeholders(written.len()),
        rows,
        &tail,
    )
}
