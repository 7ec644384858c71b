//! The data directory every node of an embedded cluster starts from: the plain template,
//! after one node bootstrapped a cluster on it and stopped cleanly, so it carries a
//! cluster history and a position (`grastate.dat`) that all the copies share. Built once
//! per machine, server binary and provider, like the plain template.

use std::fs;
use std::path::{Path, PathBuf};

use super::node::NodeSpec;
use super::ports::free_ports;
use super::view::VIEW_FILE;
use crate::binaries::ServerBinaries;
use crate::connect::{connect, sql_error};
use crate::owner::Owner;
use crate::private::{random_password, unique_suffix};
use crate::template::{binary_fingerprint, ensure_template};
use crate::{EmbeddedError, EmbeddedServer};

/// Galera's saved position; a copy without it would need a full state transfer.
const STATE_FILE: &str = "grastate.dat";

pub(crate) fn ensure_galera_template(
    bins: &ServerBinaries,
    provider: &Path,
    owner: &Owner,
) -> Result<PathBuf, EmbeddedError> {
    let plain = ensure_template(bins)?;
    let base = owner.base_dir()?;
    let template = base.join(format!(
        "galera-template-{:016x}-{:016x}",
        binary_fingerprint(&bins.server),
        binary_fingerprint(provider)
    ));
    if template.join(STATE_FILE).is_file() {
        return Ok(template);
    }
    let staging = base.join(format!(
        "galera-template-staging-{}-{}",
        std::process::id(),
        unique_suffix()
    ));
    bootstrap_once(bins, &plain, provider, owner, &staging)?;
    match fs::rename(&staging, &template) {
        Ok(()) => {}
        // Another process finished first; its template is as good as ours.
        Err(_) if template.join(STATE_FILE).is_file() => {
            let _ = fs::remove_dir_all(&staging);
        }
        Err(err) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(EmbeddedError::io("moving the new template to", &template)(
                err,
            ));
        }
    }
    Ok(template)
}

async fn shut_down(node: &EmbeddedServer) -> Result<(), EmbeddedError> {
    use mysql_async::prelude::Queryable;
    let mut conn = connect(node).await?;
    conn.query_drop("SHUTDOWN")
        .await
        .map_err(sql_error(node, "shutting the template's node down"))
}

/// Starts one node on a copy of `plain` as a new cluster, stops it cleanly, and keeps its
/// data directory at `staging`.
fn bootstrap_once(
    bins: &ServerBinaries,
    plain: &Path,
    provider: &Path,
    owner: &Owner,
    staging: &Path,
) -> Result<(), EmbeddedError> {
    let ports = free_ports(4)?;
    let (client, group, ist, sst) = (ports[0], ports[1], ports[2], ports[3]);
    let spec = NodeSpec {
        cluster_name: format!("playerbot-db-template-{}", unique_suffix()),
        peers: vec![group],
        group_port: group,
        ist_port: ist,
        sst_port: sst,
        provider: provider.to_path_buf(),
        bootstrap: true,
    };
    let mut node = EmbeddedServer::prepare(
        bins.clone(),
        plain,
        EmbeddedServer::builder(),
        owner.clone(),
        Some(spec),
        random_password()?,
    )?;
    node.spawn_on(client)?;
    node.wait_started()?;
    // A signal sent while the node is still settling in was seen to be ignored; the
    // statement is not.
    tokio::runtime::Handle::current().block_on(shut_down(&node))?;
    node.stop_cleanly()?;
    let data = node.data_dir();
    if !data.join(STATE_FILE).is_file() {
        return Err(EmbeddedError::GaleraTemplate {
            problem: format!("the bootstrap node left no {STATE_FILE}"),
            log_tail: node.log_tail(),
        });
    }
    // The copies get views of their own, and caches of their own size.
    let _ = fs::remove_file(data.join(VIEW_FILE));
    let _ = fs::remove_file(data.join("galera.cache"));
    fs::rename(&data, staging).map_err(EmbeddedError::io("keeping the template at", staging))
}
