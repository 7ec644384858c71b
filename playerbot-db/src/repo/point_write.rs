//! A single-row save's trip to the server. While one save of the entity is at the server,
//! saves of other tasks join the next one: the first of them runs one bulk save of every
//! joined row (one multi-row statement, all or nothing), and each caller's `Ok` means its
//! row is committed. When that bulk save fails, for whatever reason, every caller runs its own save and gets
//! its own result (a unique conflict or a refused value belongs to one row, and the others
//! must not fail for it). A save that finds none running goes at once.

use super::bulk::{full_statement_rows, BulkOptions};
use super::validate;
use crate::coalesce::{Answer, Batch, Turn};
use crate::registry::{EntityPlan, SaveGate};
use crate::server::Server;
use crate::unset::unset_columns;
use crate::{BotEntity, BulkMode, Error};

impl Server {
    /// Saves `entity`, joining a running save's next bulk save when one is at the server.
    pub(super) async fn save_row<E: BotEntity>(&self, entity: &E) -> Result<(), Error> {
        let plan = self.registry().plan::<E>()?;
        let Some((gate, cap)) = plan.save_gate::<E>() else {
            return self.write(entity, "upsert", true).await.map(drop);
        };
        if !joinable(plan, entity)? {
            return self.write(entity, "upsert", true).await.map(drop);
        }
        let waiting = match gate.gate.enter((gate.copy)(entity), cap) {
            Turn::Alone(running) => {
                let saved = self.write(entity, "upsert", true).await.map(drop);
                // The saves that joined meanwhile go next, led by the first of them.
                drop(running);
                return saved;
            }
            Turn::Joined(waiting) => waiting,
        };
        match waiting.await {
            Ok(Answer::Found(_)) => Ok(()),
            Ok(Answer::Lead(batch)) => {
                if self.save_joined(gate, entity, batch).await {
                    return Ok(());
                }
                self.write(entity, "upsert", true).await.map(drop)
            }
            // The joined save failed, or its runner was dropped before it answered.
            Ok(Answer::GoAlone) | Err(_) => self.write(entity, "upsert", true).await.map(drop),
        }
    }

    /// One bulk save (one statement) of the runner's row and the joined rows, answering
    /// the batch: `true` when it committed. It runs as a task of its own, so the runner
    /// dropped at any await leaves the joined callers their answer; sent to go alone while
    /// a bulk save of their rows could still land, a caller's next save could land before
    /// it. Failed, the batch is dropped unanswered: every caller runs its own save.
    async fn save_joined<E: BotEntity>(
        &self,
        gate: &SaveGate<E>,
        own: &E,
        mut batch: Batch<E, ()>,
    ) -> bool {
        // A statement exactly full: padding repeats rows the server then writes again, and
        // the callers left over lead the next one.
        let joined = batch.keys().count();
        batch.keep(full_statement_rows(joined + 1) - 1);
        let mut rows = Vec::with_capacity(batch.keys().size_hint().1.unwrap_or(0) + 1);
        rows.push((gate.copy)(own));
        rows.extend(batch.keys().map(gate.copy));
        let server = self.clone();
        let joined = tokio::spawn(async move {
            // One multi-row statement: all or nothing without a transaction around it.
            let options = BulkOptions {
                mode: BulkMode::MultiRow,
                ..BulkOptions::default()
            };
            let saved = server.bulk_with::<E>(options).save(&rows).await.is_ok();
            if saved {
                batch.answer(|_| Some(()));
            }
            saved
        });
        joined.await.unwrap_or(false)
    }
}

/// Whether `entity` may join a bulk save: it passes the checks a save makes first (a row
/// refused there never joins), it is not a new row the server numbers (its id is its own
/// call's to report), and it leaves no column to the server (a bulk save writes them all).
fn joinable<E: BotEntity>(plan: &EntityPlan, entity: &E) -> Result<bool, Error> {
    let meta = E::META;
    let params = entity.to_params();
    validate::check_row(meta, plan.live().as_deref(), &params, || {
        format!("{:?}", entity.key())
    })?;
    Ok(!meta.is_new_row(&params) && unset_columns(meta, &params) == 0)
}
