//! `simulate --galera N [--kill-node-after S]`: the run on an embedded Galera cluster, the
//! writer node killed with SIGKILL mid-run when asked, and every node checked at the end
//! (the killed one after it rejoined).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Conn, Row};
use playerbot_db::{BotEntity, Db};
use playerbot_db_embedded::{connect_opts, EmbeddedGalera};

use super::DATABASE;
use crate::error::Error;

/// Writes stall for about Galera's failure detection after a kill (a second or two here);
/// this bound only stops a broken failover from hanging the run.
const FAILOVER_LIMIT: Duration = Duration::from_secs(60);

/// What the cluster went through.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub(super) nodes: usize,
    /// The node killed, and how long from the kill until a flush landed on the new writer.
    pub(super) killed: Option<(usize, Duration)>,
    /// Accepted saves missing at the end on the node that lacks the most (every node read).
    pub(super) lost_saves: usize,
}

/// Waits `after`, kills the writer node, and returns once writes flow again: the writer has
/// moved and a write-behind round has finished on the new one.
pub(super) async fn kill_writer_after(
    galera: &mut EmbeddedGalera,
    db: &Db,
    after: Duration,
) -> Result<(usize, Duration), Error> {
    tokio::time::sleep(after).await;
    let writer = writer_of(db).ok_or_else(|| Error::Failed("the cluster has no writer".into()))?;
    let killed = Instant::now();
    galera.node_mut(writer).kill();
    eprintln!("killed the writer, node {writer}");
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
                "writes did not flow again within {FAILOVER_LIMIT:?} of the kill: {:?}",
                db.galera_health()
            )));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn writer_of(db: &Db) -> Option<usize> {
    db.galera_health()
        .first()
        .and_then(|(_, nodes)| nodes.iter().position(|node| node.writer))
}

/// Every node holds exactly every bot's last state: the survivors as they are, the killed
/// node once restarted and synced.
pub(super) async fn check_nodes(
    galera: &mut EmbeddedGalera,
    killed: Option<usize>,
    last: &HashMap<u32, BotState>,
) -> Result<(usize, Vec<String>), Error> {
    if let Some(node) = killed {
        let restarted = Instant::now();
        galera.restart(node).await?;
        eprintln!(
            "node {node} rejoined in {:.1} s",
            restarted.elapsed().as_secs_f64()
        );
    }
    let (mut lost, mut problems) = (0, Vec::new());
    for (node, url) in galera.urls().iter().enumerate() {
        let rows = rows_on(&format!("{url}{DATABASE}")).await?;
        let differ = last
            .iter()
            .filter(|(id, state)| rows.get(id) != Some(state))
            .count();
        if differ > 0 || rows.len() != last.len() {
            problems.push(format!(
                "node {node} holds {} rows, {differ} of them not its bot's last state",
                rows.len()
            ));
        }
        lost = lost.max(differ);
    }
    Ok((lost, problems))
}

/// Every bot state on the node, read causally (after everything the cluster committed).
async fn rows_on(url: &str) -> Result<HashMap<u32, BotState>, Error> {
    let opts = connect_opts(url, None).map_err(|err| Error::Usage(err.to_string()))?;
    let mut conn = Conn::new(opts).await?;
    let query = async {
        conn.query_drop("SET SESSION wsrep_sync_wait = 1").await?;
        let sql = BotState::META
            .statements(playerbot_db::Dialect::MariaDb)
            .select_head;
        conn.query::<Row, _>(sql).await
    };
    let rows = query.await?;
    conn.disconnect().await.ok();
    let mut states = HashMap::with_capacity(rows.len());
    for row in rows {
        let state = BotState::from_row(row).map_err(playerbot_db::Error::from)?;
        states.insert(state.bot_id, state);
    }
    Ok(states)
}
