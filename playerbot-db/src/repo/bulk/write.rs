//! Checking and planning one bulk save, and running it as its options say.

use super::job::Job;
use super::plan;
use super::{Atomicity, BulkMode, BulkReport, ServerBulk, MAX_ROWS_PER_CALL};
use crate::error::{Context, WRITE_SET_BYTES};
use crate::live_table::UpsertGuard;
use crate::pool::statement;
use crate::registry::EntityPlan;
use crate::repo::{validate, with_retry};
use crate::statements::guard_for;
use crate::{BotEntity, Error};

impl<E: BotEntity> ServerBulk<'_, E> {
    /// Checks the rows `subset` names (all of `rows` with `None`), plans the statements on a
    /// connection (dialect, packet size, the table's engine and conflict guard) and runs
    /// them as the options say.
    pub(super) async fn write(
        &self,
        rows: &[E],
        subset: Option<&[usize]>,
        entity_plan: &EntityPlan,
    ) -> Result<BulkReport, Error> {
        let meta = E::META;
        let count = subset.map_or(rows.len(), <[usize]>::len);
        if count > MAX_ROWS_PER_CALL {
            return Err(Error::TooLarge {
                what: "rows in one bulk save",
                count,
                limit: MAX_ROWS_PER_CALL,
            });
        }
        if self.options.only.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::EmptyUpdate {
                entity: meta.entity,
            });
        }
        let (order, duplicates, new_rows) =
            plan::order_rows(rows, subset, entity_plan.exact_keys());
        let key_of = |position: usize| format!("{:?}", rows[order[position]].key());
        // Params are checked and measured here, then built again when sent: building is
        // several times cheaper than keeping and cloning them.
        let mut row_sizes = Vec::with_capacity(order.len());
        let live = entity_plan.live();
        for (position, &index) in order.iter().enumerate() {
            let params = rows[index].to_params();
            validate::check_row(meta, live.as_deref(), &params, || key_of(position))?;
            row_sizes.push(plan::row_bytes(&params));
        }
        if order.is_empty() {
            return Ok(BulkReport {
                rows: 0,
                duplicates,
                chunks: 0,
                mode: self.options.mode,
                new_ids: None,
            });
        }
        let groups = plan::partition_groups(rows, &order);
        let mut job = Job {
            save: self,
            rows,
            order: &order,
            row_sizes: &row_sizes,
            groups: &groups,
            key_of: &key_of,
            new_rows: new_rows > 0,
            new_ids: std::sync::Mutex::new(Vec::new()),
            live: None,
            guard: UpsertGuard::Generated,
        };
        // New rows are numbered by the server: running them twice would add rows twice, so a
        // call with new rows is not run again after a lost connection (its outcome unknown).
        let idempotent = new_rows == 0;

        // The connection decides the dialect, the packet size and so the chunks; the table's
        // engine whether all or nothing can hold.
        let (mode, chunks, non_atomic) = {
            // Not `Server::conn`: no raw access here, so none of its extra ping.
            let mut conn = self.db.lease().await?;
            // A Galera node refuses, at commit, a transaction whose write set holds more
            // rows or bytes than this; the flusher splits its rounds to fit (see
            // `BulkSink`), a caller is told before anything is written.
            let bounds = conn.server().write_set;
            if bounds.rows > 0 && order.len() > bounds.rows {
                return Err(Error::TooLarge {
                    what: "rows in one transaction on this Galera node (wsrep_max_ws_rows)",
                    count: order.len(),
                    limit: bounds.rows,
                });
            }
            let write_set = plan::write_set_bytes(&row_sizes);
            if bounds.bytes > 0 && write_set > bounds.bytes {
                return Err(Error::TooLarge {
                    what: WRITE_SET_BYTES,
                    count: write_set,
                    limit: bounds.bytes,
                });
            }
            // New rows go in multi-row statements, whose first generated id the server
            // reports; bulk execute reports none.
            let mode = match (self.options.mode, conn.flavor().is_mariadb()) {
                (BulkMode::Auto, true) if new_rows == 0 => BulkMode::BulkExecute,
                (BulkMode::Auto, _) => BulkMode::MultiRow,
                (mode, _) => mode,
            };
            // Read once per server: the engine of a table does not change under a game.
            let plan = entity_plan;
            let context = || Context {
                entity: Some(meta.entity),
                statement: Some("table engine"),
                ..Context::default()
            };
            let live = statement!(conn.server(), context, |c| plan.learn_live_table(c))?;
            job.guard = guard_for(meta, live.as_deref(), true)?;
            let engine = live
                .as_deref()
                .and_then(|live| live.non_transactional_engine().map(str::to_owned));
            job.live = live;
            if let Some(engine) = &engine {
                if !self.options.partial {
                    return Err(Error::NotTransactional {
                        entity: meta.entity,
                        table: meta.table,
                        engine: engine.clone(),
                    });
                }
            }
            (
                mode,
                job.chunks(mode, conn.max_allowed_packet())?,
                engine.is_some(),
            )
        };
        if non_atomic {
            job.run_non_atomic(mode, &chunks).await?;
            return Ok(BulkReport {
                rows: order.len(),
                duplicates,
                chunks: chunks.len(),
                mode,
                new_ids: job.new_ids(new_rows),
            });
        }
        match self.options.scope {
            Atomicity::WholeCall => {
                with_retry!(self.db, idempotent, |conn| job
                    .run(conn, mode, &chunks, 0, chunks.len())
                    .await)?;
            }
            Atomicity::PerChunk => {
                let mut saved_rows = 0;
                for (i, chunk) in chunks.iter().enumerate() {
                    let one = std::slice::from_ref(chunk);
                    let done = with_retry!(self.db, idempotent, |conn| job
                        .run(conn, mode, one, i, chunks.len())
                        .await);
                    if let Err(err) = done {
                        return Err(if i == 0 {
                            err
                        } else {
                            Error::PartlySaved {
                                saved_chunks: i,
                                chunks: chunks.len(),
                                saved_rows,
                                source: Box::new(err),
                            }
                        });
                    }
                    saved_rows += chunk.range.len();
                }
            }
        }
        Ok(BulkReport {
            rows: order.len(),
            duplicates,
            chunks: chunks.len(),
            mode,
            new_ids: job.new_ids(new_rows),
        })
    }
}
