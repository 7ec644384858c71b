//! The live table a write is checked and guarded by, read on the write's own connection
//! when it has not been read since the schema last may have changed.

use std::sync::Arc;

use crate::error::Context;
use crate::live_table::LiveTable;
use crate::pool::{statement, ServerConn};
use crate::registry::EntityPlan;
use crate::Error;

/// `plan`'s live table (`None` when the table does not exist): no statement when it is
/// known, as it is after the connection that opened first read it.
pub(crate) async fn live_table(
    plan: &EntityPlan,
    conn: &mut ServerConn,
) -> Result<Option<Arc<LiveTable>>, Error> {
    if let Some(live) = plan.live_current() {
        return Ok(Some(live));
    }
    let context = || Context {
        entity: Some(plan.meta.entity),
        statement: Some("live table"),
        ..Context::default()
    };
    statement!(conn, context, |c| plan.learn_live_table(c))
}
