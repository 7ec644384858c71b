//! A lookup's trip to the server (`load_by`: a bot's events, its AI values). While one read
//! of a one-column lookup is at the server, reads of other values join the next statement
//! (`coalesce.rs`): the first of them runs one `column IN (…)` statement in key order for
//! all, and each gets the rows holding its own value, in key order. Only integer values
//! join: the server compares them exactly as we do, so no row is filed under the wrong
//! caller. A read that finds none running goes at once.

use std::collections::HashMap;

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row, Value};

use super::with_retry;
use crate::chunking::chunk_sizes;
use crate::coalesce::{Answer, Turn};
use crate::error::Context;
use crate::pool::statement;
use crate::registry::{EntityPlan, LookupGate, LOAD_MANY_SIZES};
use crate::server::Server;
use crate::{BotEntity, Error, Lookup, RowError};

impl Server {
    /// The rows `lookup` finds, in key order, joining a running read's next statement
    /// when one is at the server.
    pub(super) async fn read_lookup<E: BotEntity>(
        &self,
        plan: &EntityPlan,
        lookup: &Lookup<E>,
    ) -> Result<Vec<Row>, Error> {
        let (Some((gate, cap)), Some(value)) = (
            plan.lookup_gate(lookup.index()),
            exact_value(lookup.params()),
        ) else {
            return self.select_lookup(lookup).await;
        };
        let waiting = match gate.gate.enter(value, cap) {
            Turn::Alone(running) => {
                let rows = self.select_lookup(lookup).await;
                // The reads that joined meanwhile go next, led by the first of them.
                drop(running);
                return rows;
            }
            Turn::Joined(waiting) => waiting,
        };
        match waiting.await {
            Ok(Answer::Found(rows)) => Ok(rows.unwrap_or_default()),
            Ok(Answer::Lead(batch)) => {
                // Each value once: two callers of one bot share its rows, and a value in
                // two statements would have its rows twice.
                let mut values = Vec::with_capacity(batch.keys().size_hint().0 + 1);
                values.push(value);
                values.extend(batch.keys().copied());
                values.sort_unstable();
                values.dedup();
                match self.select_values::<E>(gate, &values).await {
                    Ok(mut found) => {
                        batch.answer(|asked| found.get(asked).cloned());
                        Ok(found.remove(&value).unwrap_or_default())
                    }
                    // Dropped unanswered, the batch sends its reads alone, to meet their own
                    // errors (or succeed), and so does its runner: the joined statement can
                    // fail where the lookup's own would not (a live column that holds
                    // strings where the entity has integers).
                    Err(_) => {
                        drop(batch);
                        self.select_lookup(lookup).await
                    }
                }
            }
            // The statement failed, or its runner was dropped before it answered.
            Ok(Answer::GoAlone) | Err(_) => self.select_lookup(lookup).await,
        }
    }

    /// The rows holding any of `values` (each once) in the gate's column, by value, each
    /// value's in key order.
    async fn select_values<E: BotEntity>(
        &self,
        gate: &LookupGate,
        values: &[i128],
    ) -> Result<HashMap<i128, Vec<Row>>, Error> {
        let context = || Context {
            entity: Some(E::META.entity),
            key: Some(format!("{values:?}")),
            statement: Some("load_by"),
            chunk: None,
        };
        with_retry!(self, true, |conn| {
            let mut found: HashMap<i128, Vec<Row>> = HashMap::with_capacity(values.len());
            let mut offset = 0;
            for (size_index, taken) in chunk_sizes(values.len(), &LOAD_MANY_SIZES) {
                let chunk = &values[offset..offset + taken];
                offset += taken;
                // The last value repeated: the IN list holds it once however often named.
                let params = chunk
                    .iter()
                    .chain(std::iter::repeat(&chunk[taken - 1]))
                    .take(LOAD_MANY_SIZES[size_index])
                    .map(|&value| to_value(value))
                    .collect();
                let sql = gate.select_in(conn.dialect(), size_index);
                let rows: Vec<Row> = statement!(conn, context, text = sql, |c| c
                    .exec(sql, Params::Positional(params)))?;
                for row in rows {
                    let value = row
                        .as_ref(gate.column)
                        .and_then(|value| exact_value(std::slice::from_ref(value)));
                    let Some(value) = value else {
                        let meta = E::META;
                        return Err(Error::from(RowError {
                            entity: meta.entity,
                            column: Some(meta.columns[gate.column].name),
                            detail: "a joined lookup read no integer in the looked-up column"
                                .to_owned(),
                        }));
                    };
                    found.entry(value).or_default().push(row);
                }
            }
            Ok(found)
        })
    }
}

/// The lookup's one value when it is an integer.
fn exact_value(params: &[Value]) -> Option<i128> {
    match params {
        [Value::Int(value)] => Some(i128::from(*value)),
        [Value::UInt(value)] => Some(i128::from(*value)),
        _ => None,
    }
}

/// An integer as the server takes it.
fn to_value(value: i128) -> Value {
    match i64::try_from(value) {
        Ok(signed) => Value::Int(signed),
        Err(_) => Value::UInt(value as u64),
    }
}
