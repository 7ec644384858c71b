//! A Galera cluster of embedded servers on loopback: start N nodes, kill, stop or restart
//! one, and wait until a node is synced.
//!
//! Every node is an [`EmbeddedServer`] locked down as a single one is (private directory,
//! random root password, loopback only, strict mode), all with the same password. A node
//! started by root runs as the `mysql` account (see the owner module). The nodes start from
//! one shared template and a saved view (see [`view`]), so a new cluster needs no state
//! transfer; a node restarted after a kill catches up by an incremental one.

mod node;
mod ports;
mod state;
mod template;
mod view;

use std::time::Duration;

pub(crate) use node::NodeSpec;
pub use node::PROVIDER_ENV;
pub use state::NodeState;

use crate::binaries::ServerBinaries;
use crate::owner::Owner;
use crate::private::{random_password, unique_suffix};
use crate::server::run_blocking;
use crate::{EmbeddedError, EmbeddedServer};

/// A new cluster's nodes are synced within a few seconds; a restarted node's catch-up may
/// take longer on a busy machine. This bound only stops a broken setup from hanging a test.
const SYNC_TIMEOUT: Duration = Duration::from_secs(90);

/// A running Galera cluster of embedded nodes; dropping it kills every node and removes
/// their directories.
#[derive(Debug)]
pub struct EmbeddedGalera {
    nodes: Vec<EmbeddedServer>,
}

impl EmbeddedGalera {
    /// Starts a cluster of `nodes` nodes and returns once every one is synced in the
    /// primary component. Needs the `galera-4` provider and `rsync`.
    pub async fn start(nodes: usize) -> Result<EmbeddedGalera, EmbeddedError> {
        let cluster = run_blocking(move || start_nodes(nodes.max(1))).await?;
        for (index, node) in cluster.nodes.iter().enumerate() {
            state::wait_synced(node, index, SYNC_TIMEOUT).await?;
        }
        Ok(cluster)
    }

    /// How many nodes the cluster has (running or not).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the cluster has no nodes (never: [`start`](Self::start) makes at least one).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Node `index`, for its URL, port and data directory.
    pub fn node(&self, index: usize) -> &EmbeddedServer {
        &self.nodes[index]
    }

    /// Node `index`, to [`kill`](EmbeddedServer::kill), [`pause`](EmbeddedServer::pause)
    /// or [`resume`](EmbeddedServer::resume) it.
    pub fn node_mut(&mut self, index: usize) -> &mut EmbeddedServer {
        &mut self.nodes[index]
    }

    /// Every node's URL, in node order.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(EmbeddedServer::url).collect()
    }

    /// What node `index` says of its part in the cluster.
    pub async fn state(&self, index: usize) -> Result<NodeState, EmbeddedError> {
        state::read_state(&self.nodes[index]).await
    }

    /// Waits until node `index` is synced in the primary component.
    pub async fn wait_synced(&self, index: usize) -> Result<(), EmbeddedError> {
        state::wait_synced(&self.nodes[index], index, SYNC_TIMEOUT).await
    }

    /// Waits until node `index` is synced in the same component as another synced node
    /// (the same view). After a [`resume`](EmbeddedServer::resume) a node long stopped still
    /// believes itself synced until it notices it was dropped; this waits through that.
    pub async fn wait_rejoined(&self, index: usize) -> Result<(), EmbeddedError> {
        let started = std::time::Instant::now();
        let mut last = String::from("never answered");
        while started.elapsed() < SYNC_TIMEOUT {
            if let Ok(state) = self.state(index).await {
                last = state.to_string();
                for other in (0..self.nodes.len()).filter(|&other| other != index) {
                    if let Ok(peer) = self.state(other).await {
                        if state.is_synced() && peer.is_synced() && peer.conf_id == state.conf_id {
                            return Ok(());
                        }
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(EmbeddedError::NotSynced {
            node: index,
            waited: SYNC_TIMEOUT,
            state: last,
            log_tail: self.nodes[index].log_tail(),
        })
    }

    /// Starts node `index` again (after a kill, or killing it first) on its own data
    /// directory; it rejoins by a state transfer. Returns once it is synced.
    pub async fn restart(&mut self, index: usize) -> Result<(), EmbeddedError> {
        self.nodes[index].restart().await?;
        self.wait_synced(index).await
    }
}

fn start_nodes(count: usize) -> Result<EmbeddedGalera, EmbeddedError> {
    let bins = ServerBinaries::locate()?;
    let provider = node::locate_provider()?;
    if !on_path("rsync") {
        return Err(EmbeddedError::NoRsync);
    }
    let owner = Owner::for_galera()?;
    let template = template::ensure_galera_template(&bins, &provider, &owner)?;
    let ports = ports::free_ports(count * 4)?;
    let cluster_name = format!("playerbot-db-{}-{}", std::process::id(), unique_suffix());
    let group_ports: Vec<u16> = ports.chunks(4).map(|node| node[1]).collect();
    let members = (0..count)
        .map(|_| view::random_uuid())
        .collect::<Result<Vec<_>, _>>()?;
    let password = random_password()?;
    let mut nodes = Vec::with_capacity(count);
    for (index, node_ports) in ports.chunks(4).enumerate() {
        let spec = NodeSpec {
            cluster_name: cluster_name.clone(),
            peers: group_ports.clone(),
            group_port: node_ports[1],
            ist_port: node_ports[2],
            sst_port: node_ports[3],
            provider: provider.clone(),
            bootstrap: false,
        };
        let node = EmbeddedServer::prepare(
            bins.clone(),
            &template,
            EmbeddedServer::builder(),
            owner.clone(),
            Some(spec),
            password.clone(),
        )?;
        let data = node.data_dir();
        view::write_view(&data, &members[index], &members)?;
        owner.hand_over(&data.join(view::VIEW_FILE))?;
        nodes.push(node);
    }
    // All at once: the saved primary component forms only when every member is up.
    for (node, node_ports) in nodes.iter_mut().zip(ports.chunks(4)) {
        node.spawn_on(node_ports[0])?;
    }
    for node in &mut nodes {
        node.wait_started()?;
    }
    Ok(EmbeddedGalera { nodes })
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}
