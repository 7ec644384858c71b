//! The ids the server gave a bulk save's new rows, when they can be known for sure.

use super::job::Job;
use super::plan::Chunk;
use crate::pool::ServerConn;
use crate::BotEntity;

impl<E: BotEntity, K: Fn(usize) -> String> Job<'_, E, K> {
    /// Whether the row at ordered `position` is new (its `auto_increment` key is 0).
    pub(super) fn is_new(&self, position: usize) -> bool {
        let row = &self.rows[self.order[position]];
        row.is_new()
    }

    /// After a statement of `chunk`: the ids of its new rows, from the first one the server
    /// reports, when it numbers one statement's rows consecutively (multi-row statements
    /// under `innodb_autoinc_lock_mode` 0 or 1); unknown otherwise.
    pub(super) fn note_ids(&self, conn: &ServerConn, chunk: &Chunk, reported: bool) {
        // Rows of an append-only entity are all new, but nobody numbers them.
        if !self.new_rows || E::META.auto_increment().is_none() {
            return;
        }
        let new = chunk.range.clone().filter(|&p| self.is_new(p)).count();
        if new == 0 {
            return;
        }
        let ids = match (reported && conn.consecutive_ids, conn.conn.last_insert_id()) {
            (true, Some(first)) if first > 0 => Some((first, new)),
            _ => None,
        };
        self.new_ids
            .lock()
            .expect("ids lock")
            .push((chunk.range.start, ids));
    }

    /// Drops the ids noted for `chunks`, which are about to run again (after a deadlock).
    pub(super) fn forget_ids(&self, chunks: &[Chunk]) {
        let Some(first) = chunks.first() else { return };
        let mut ids = self.new_ids.lock().expect("ids lock");
        ids.retain(|(start, _)| *start < first.range.start);
    }

    /// The ids of the call's new rows in the order given, when every statement's are known.
    pub(super) fn new_ids(&self, new_rows: usize) -> Option<Vec<u64>> {
        if new_rows == 0 {
            return None;
        }
        let mut entries = self.new_ids.lock().expect("ids lock").clone();
        entries.sort_by_key(|(start, _)| *start);
        let mut ids = Vec::with_capacity(new_rows);
        for (_, known) in entries {
            let (first, count) = known?;
            ids.extend(first..first + count as u64);
        }
        (ids.len() == new_rows).then_some(ids)
    }
}
