//! Reading a table (or one partition of it) in key order, a batch at a time.

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Row, Value};

use super::with_retry;
use crate::error::Context;
use crate::pool::statement;
use crate::server::Server;
use crate::{BotEntity, Error};

/// A scan in key order with bounded memory: each [`next_batch`](ServerScan::next_batch) reads at
/// most `batch` rows, starting after the last key of the previous batch (one index range
/// read each, however far the scan has gone). Rows written behind the scan's position are
/// not seen; a dropped `next_batch` leaves the scan where it was.
#[derive(Debug)]
pub(crate) struct ServerScan<'db, E: BotEntity> {
    db: &'db Server,
    /// `[lower, upper)` of the partition key, for a scan of one partition.
    range: Option<(u64, u64)>,
    batch: usize,
    /// The key of the last row read, as params.
    after: Option<Vec<Value>>,
    done: bool,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl Server {
    /// Scans `E`'s rows in key order, `batch` rows at a time: the whole table with `None`,
    /// or partition `n` (the ids `n · width .. (n + 1) · width` of the partition layout) with
    /// `Some(n)`, which reads that partition only.
    pub(crate) fn scan<E: BotEntity>(
        &self,
        partition: Option<u64>,
        batch: usize,
    ) -> Result<ServerScan<'_, E>, Error> {
        self.registry().keyed_plan::<E>("scan")?;
        let range = match partition {
            None => None,
            Some(number) => {
                let layout = E::META.partitioning.ok_or(Error::NotPartitioned {
                    entity: E::META.entity,
                })?;
                Some((
                    number.saturating_mul(layout.width),
                    layout.upper_bound(number),
                ))
            }
        };
        Ok(ServerScan {
            db: self,
            range,
            batch: batch.max(1),
            after: None,
            done: false,
            entity: std::marker::PhantomData,
        })
    }
}

impl<E: BotEntity> ServerScan<'_, E> {
    /// The next rows in key order; empty once the scan has read everything.
    pub(crate) async fn next_batch(&mut self) -> Result<Vec<E>, Error> {
        if self.done {
            return Ok(Vec::new());
        }
        let context = || Context {
            entity: Some(E::META.entity),
            key: None,
            statement: Some("scan"),
            chunk: None,
        };
        let (range, after, batch) = (self.range, self.after.as_deref(), self.batch);
        let rows: Vec<Row> = with_retry!(self.db, true, |conn| {
            let scan = &E::META.statements(conn.dialect()).scan;
            let sql = match (range.is_some(), after.is_some()) {
                (false, false) => scan.first,
                (false, true) => scan.next,
                (true, false) => scan.first_in_range,
                (true, true) => scan.next_in_range,
            };
            let mut params = Vec::new();
            if let Some((lower, upper)) = range {
                params.extend([Value::UInt(lower), Value::UInt(upper)]);
            }
            params.extend(after.into_iter().flatten().cloned());
            params.push(Value::UInt(batch as u64));
            statement!(conn, context, text = sql, |c| c
                .exec(sql, Params::Positional(params)))
        })?;
        let rows = rows
            .into_iter()
            .map(E::from_row)
            .collect::<Result<Vec<E>, _>>()?;
        self.done = rows.len() < self.batch;
        if let Some(last) = rows.last() {
            self.after = Some(E::key_params(&last.key()));
        }
        Ok(rows)
    }
}
