//! `simulate --galera N [--kill-node-after S]`: the run on an embedded Galera cluster, the
//! writer node killed with SIGKILL mid-run when asked, and every node checked at the end
//! (the killed one after it rejoined).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::Db;
use playerbot_db_embedded::EmbeddedGalera;

use super::DATABASE;
use crate::error::Error;
use crate::galera::states_on;

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
    let (writer, took) = crate::galera::kill_writer(galera, db).await?;
    eprintln!("killed the writer, node {writer}");
    Ok((writer, took))
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
        let rows = states_on(&format!("{url}{DATABASE}")).await?;
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
