//! Naming the row of a unique conflict: the server names only the chunk.

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row, Value};

use super::job::Job;
use super::plan::Chunk;
use super::PROBE_VALUES;
use crate::error::Context;
use crate::pool::{statement, ServerConn};
use crate::{BotEntity, Error};

impl<E: BotEntity, K: Fn(usize) -> String> Job<'_, E, K> {
    /// A unique conflict in a chunk names the chunk's first row; the server does not say
    /// which row it was. After the rollback, this looks the chunk's unique values up and
    /// names the row whose value another key holds.
    pub(super) async fn name_unique_conflict(
        &self,
        conn: &mut ServerConn,
        chunk: &Chunk,
        err: Error,
    ) -> Error {
        let Error::UniqueConflict {
            entity,
            key,
            columns,
        } = err
        else {
            return err;
        };
        let found = if conn.broken {
            None
        } else {
            self.conflicting_row(conn, chunk).await
        };
        Error::UniqueConflict {
            entity,
            key: found.map_or(key, |position| (self.key_of)(position)),
            columns,
        }
    }

    /// The position of the first row of `chunk` whose value in a unique column belongs to a
    /// row of another key.
    pub(super) async fn conflicting_row(
        &self,
        conn: &mut ServerConn,
        chunk: &Chunk,
    ) -> Option<usize> {
        let meta = E::META;
        let keys: Vec<usize> = (0..meta.columns.len())
            .filter(|&i| meta.columns[i].key)
            .collect();
        let key_names: Vec<&str> = keys.iter().map(|&i| meta.columns[i].name).collect();
        let literal = |value: &Value| value.as_sql(true);
        let positions = chunk.range.clone();
        let rows: Vec<(usize, Vec<Value>)> = positions
            .map(|position| (position, self.rows[self.order[position]].to_params()))
            .collect();
        for unique in (0..meta.columns.len()).filter(|&i| meta.columns[i].unique) {
            for slice in rows.chunks(PROBE_VALUES) {
                let values: Vec<Value> = slice
                    .iter()
                    .map(|(_, params)| params[unique].clone())
                    .filter(|value| *value != Value::NULL)
                    .collect();
                if values.is_empty() {
                    continue;
                }
                let sql = playerbot_db_sql::rows::unique_holders(
                    meta.table,
                    &key_names,
                    meta.columns[unique].name,
                    values.len(),
                );
                let context = || Context {
                    entity: Some(meta.entity),
                    statement: Some("unique conflict lookup"),
                    ..Context::default()
                };
                let held: Vec<Row> = statement!(conn, context, text = &sql, |c| c
                    .exec(sql, Params::Positional(values)))
                .ok()?;
                for row in held {
                    let row = row.unwrap();
                    let (held_key, held_value) = row.split_at(keys.len());
                    let other_key = |params: &Vec<Value>| {
                        keys.iter()
                            .zip(held_key)
                            .any(|(&i, held)| literal(&params[i]) != literal(held))
                    };
                    let hit = slice.iter().find(|(_, params)| {
                        literal(&params[unique]) == literal(&held_value[0]) && other_key(params)
                    });
                    if let Some((position, _)) = hit {
                        return Some(*position);
                    }
                }
            }
        }
        None
    }
}
