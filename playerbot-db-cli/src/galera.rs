//! What `simulate --galera` and the Galera bench scenarios both do to an embedded cluster:
//! find the writer, kill it and wait until writes flow again, and read what a node holds.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Conn, Row};
use playerbot_db::{BotEntity, Db};
use playerbot_db_embedded::{connect_opts, EmbeddedGalera};

use crate::error::Error;

/// Writes stall for about Galera's failure detection after a kill (a second or two here);
/// this bound only stops a broken failover from hanging a run.
const FAILOVER_LIMIT: Duration = Duration::from_secs(60);

/// The node writes of the handle's first shard go to now.
pub(crate) fn writer_of(db: &Db) -> Option<usize> {
    db.galera_health()
        .first()
        .and_then(|(_, nodes)| nodes.iter().position(|node| node.writer))
}

/// Kills the writer node (SIGKILL) and returns it once writes flow again, with the time
/// that took: the writer has moved and a whole write-behind round has run on the new one
/// (two rounds finished after the move).
pub(crate) async fn kill_writer(
    galera: &mut EmbeddedGalera,
    db: &Db,
) -> Result<(usize, Duration), Error> {
    let writer = writer_of(db).ok_or_else(|| Error::Failed("the cluster has no writer".into()))?;
    let killed = Instant::now();
    galera.node_mut(writer).kill();
    let mut flushes_after_move = None;
    loop {
        let flushes = db.write_behind_stats().flushes;
        match flushes_after_move {
            None if writer_of(db).is_some_and(|now| now != writer) => {
                flushes_after_move = Some(flushes)
            }
            Some(then) if flushes > then + 1 => return Ok((writer, killed.elapsed())),
            _ => {}
        }
        if killed.elapsed() > FAILOVER_LIMIT {
            return Err(Error::Failed(format!(
                "writes did not flow again within {FAILOVER_LIMIT:?} of killing node {writer}: {:?}",
                db.galera_health()
            )));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Every bot state on the node at `url`, read causally (after everything the cluster had
/// committed).
pub(crate) async fn states_on(url: &str) -> Result<HashMap<u32, BotState>, Error> {
    let opts = connect_opts(url, None).map_err(|err| Error::Usage(err.to_string()))?;
    let mut conn = Conn::new(opts).await?;
    let query = async {
        conn.query_drop(playerbot_db::sql::galera::CAUSAL_READS)
            .await?;
        let sql = BotState::META
            .statements(playerbot_db::Dialect::MariaDb)
            .select_head;
        conn.query::<Row, _>(sql).await
    };
    let rows = query.await;
    conn.disconnect().await.ok();
    let mut states = HashMap::new();
    for row in rows? {
        let state = BotState::from_row(row).map_err(playerbot_db::Error::from)?;
        states.insert(state.bot_id, state);
    }
    Ok(states)
}
