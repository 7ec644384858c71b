//! The text of the statements built at run time (bulk upserts and inserts, a batch's and a
//! transaction's rows): composed from the derive's pieces for a row count, the columns left
//! to the server and the live table's conflict guard, and kept once built ([`StatementTexts`]).

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use playerbot_db_sql::guard::{conflict_guard, update_head};
use playerbot_db_sql::rows as many_rows;

use crate::live_table::{LiveTable, UpsertGuard};
use crate::unset::{is_unset, written_columns, Unset};
use crate::{BotEntity, Dialect, EntityMeta, Error};

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
    /// The live table's own guard, when the derive's does not fit it.
    guard: UpsertGuard,
}

/// The text of a one-row write: the derive's own when it fits, else one built for the live
/// table (kept, so each is built once).
#[derive(Debug, Clone)]
pub(crate) enum RowSql {
    Generated(&'static str),
    Built(Arc<str>),
}

impl std::ops::Deref for RowSql {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            RowSql::Generated(text) => text,
            RowSql::Built(text) => text,
        }
    }
}

/// The guard writes into `live` need: none for a plain insert (it matches no row), and an
/// upsert is refused when none can be had.
pub(crate) fn guard_for(
    meta: &'static EntityMeta,
    live: Option<&LiveTable>,
    upsert: bool,
) -> Result<UpsertGuard, Error> {
    match live
        .filter(|_| upsert)
        .map_or(UpsertGuard::Generated, |live| live.guard)
    {
        UpsertGuard::Impossible => Err(Error::UnguardedUnique {
            entity: meta.entity,
            table: meta.table,
            columns: live
                .map(|live| live.other_unique.clone())
                .unwrap_or_default(),
        }),
        guard => Ok(guard),
    }
}

/// Statement texts built so far; a handful per entity, so a lock per chunk is cheap.
#[derive(Debug, Default)]
pub(crate) struct StatementTexts {
    texts: Mutex<HashMap<TextKey, Arc<str>>>,
}

impl StatementTexts {
    /// `INSERT … VALUES (…), … (rows times) ON DUPLICATE KEY UPDATE …`, without the
    /// `unset` columns; `conflict` `None` is a plain insert.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn upsert<E: BotEntity>(
        &self,
        dialect: Dialect,
        conflict: Option<Conflict>,
        only: Option<&[usize]>,
        rows: usize,
        unset: Unset,
        guard: UpsertGuard,
    ) -> Arc<str> {
        let key = TextKey {
            entity: TypeId::of::<E>(),
            dialect,
            conflict,
            only: only.map(<[usize]>::to_vec),
            rows,
            unset,
            guard,
        };
        self.text(key, E::META)
    }

    /// The single-row insert (`upsert` false) or upsert of the entity `entity` (described by
    /// `meta`) for a row that leaves `unset` columns to the server, into a table that needs
    /// `guard`: the derive's text when it fits.
    pub(crate) fn single_row(
        &self,
        entity: TypeId,
        meta: &'static EntityMeta,
        dialect: Dialect,
        upsert: bool,
        unset: Unset,
        guard: UpsertGuard,
    ) -> RowSql {
        // A plain insert matches no row, so it needs no guard.
        let guard = if upsert {
            guard
        } else {
            UpsertGuard::Generated
        };
        if unset == 0 && guard == UpsertGuard::Generated {
            let sql = meta.statements(dialect);
            return RowSql::Generated(if upsert { sql.upsert } else { sql.insert });
        }
        let key = TextKey {
            entity,
            dialect,
            conflict: upsert.then_some(Conflict::Update),
            only: None,
            rows: 1,
            unset,
            guard,
        };
        RowSql::Built(self.text(key, meta))
    }

    fn text(&self, key: TextKey, meta: &'static EntityMeta) -> Arc<str> {
        let mut texts = self.texts.lock().expect("statement texts lock");
        if let Some(text) = texts.get(&key) {
            return Arc::clone(text);
        }
        let text: Arc<str> = build(meta, &key).into();
        texts.insert(key, Arc::clone(&text));
        text
    }
}

fn build(meta: &'static EntityMeta, key: &TextKey) -> String {
    let TextKey {
        dialect,
        conflict,
        rows,
        unset,
        guard,
        ..
    } = *key;
    let only = key.only.as_deref();
    let sql = meta.statements(dialect);
    // The start of the duplicate-key clause and the clause that keeps rows as they are:
    // the derive's, or with the live table's guard.
    let (update_prefix, ignore_tail) = match guard {
        UpsertGuard::Live { target, value } => {
            let keys: Vec<&str> = meta.key_columns().map(|c| c.name).collect();
            let guard = conflict_guard(&keys, meta.columns[target].name, value, dialect);
            let head = update_head(dialect);
            (format!("{head}{guard}, "), format!("{head}{guard}"))
        }
        _ => (sql.update_prefix.to_owned(), sql.ignore_tail.to_owned()),
    };
    let tail = match (conflict, only) {
        // No key, so no conflict to settle: an append-only entity's rows are inserted.
        _ if meta.is_append_only() => String::new(),
        (None, _) => String::new(),
        (Some(Conflict::Ignore), _) => ignore_tail,
        (Some(Conflict::Update), None) if unset == 0 && guard == UpsertGuard::Generated => {
            sql.upsert_tail.to_owned()
        }
        (Some(Conflict::Update), only) => {
            // The chosen columns (or every non-key one), less those left unset: an upsert
            // that finds the row keeps what they hold.
            let updated: Vec<&str> = (0..meta.columns.len())
                .filter(|&i| only.map_or(!meta.columns[i].key, |only| only.contains(&i)))
                .filter(|&i| !is_unset(unset, i))
                .map(|i| sql.assignments[i])
                .collect();
            if updated.is_empty() {
                ignore_tail
            } else {
                many_rows::update_clause(&update_prefix, &updated)
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
