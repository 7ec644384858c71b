//! One Galera node's settings: its cluster, its ports and the provider library.

use std::path::PathBuf;

use crate::EmbeddedError;

/// Where Debian's `galera-4` puts the provider; [`PROVIDER_ENV`] names another.
const PROVIDERS: &[&str] = &[
    "/usr/lib/galera/libgalera_smm.so",
    "/usr/lib/galera-4/libgalera_smm.so",
    "/usr/lib64/galera-4/libgalera_smm.so",
    "/usr/lib64/galera/libgalera_smm.so",
];

/// The environment variable naming the Galera provider library, when it is elsewhere.
pub const PROVIDER_ENV: &str = "PLAYERBOT_DB_GALERA_PROVIDER";

/// How fast the group notices a member that is gone (Galera's defaults: suspected after
/// 5 s, dropped after 15 s). Until a lost member is dropped from the view, every commit
/// waits for it: measured here, writes stalled 6 s after a node's SIGKILL with the
/// defaults. A member silent for a second is suspected, and dropped once the others agree;
/// the longer inactivity and install bounds keep live members that a starved machine
/// delays from being dropped too (with 2 s, two live nodes once ended in a non-primary
/// component when a release build ran beside the tests). While the survivors agree on the
/// new view they resend their membership messages every 0.3 s instead of every second:
/// that took a failover's stall from 2.1 s to 1.4–1.5 s (`bench --scenarios
/// galera_failover`). An operator tunes these for their own network (see the README).
const FAILURE_DETECTION: &str = "evs.keepalive_period=PT0.2S;evs.inactive_check_period=PT0.2S;\
    evs.suspect_timeout=PT1S;evs.inactive_timeout=PT5S;evs.install_timeout=PT5S;\
    evs.join_retrans_period=PT0.3S";

/// Every embedded node's write-set cache: enough for a restarted node to catch up by
/// incremental transfer after a test's outage, small enough for several clusters at once
/// (the file is allocated whole).
const GCACHE_SIZE: &str = "32M";

#[derive(Debug, Clone)]
pub(crate) struct NodeSpec {
    /// Unique per cluster: a node never joins another test's cluster by a reused port.
    pub(crate) cluster_name: String,
    /// Every node's group port, this one's included, in node order.
    pub(crate) peers: Vec<u16>,
    pub(crate) group_port: u16,
    /// Incremental state transfers arrive here.
    pub(crate) ist_port: u16,
    /// Full state transfers (rsync) arrive here.
    pub(crate) sst_port: u16,
    pub(crate) provider: PathBuf,
    /// Starts a new cluster of its own (only the template's node does).
    pub(crate) bootstrap: bool,
}

impl NodeSpec {
    /// The server's command-line arguments for Galera.
    pub(crate) fn server_args(&self, client_port: u16) -> Vec<String> {
        let address = if self.bootstrap {
            "gcomm://".to_owned()
        } else {
            let peers: Vec<String> = self
                .peers
                .iter()
                .map(|p| format!("127.0.0.1:{p}"))
                .collect();
            format!("gcomm://{}", peers.join(","))
        };
        let mut args = vec![
            "--wsrep-on=ON".to_owned(),
            format!("--wsrep-provider={}", self.provider.display()),
            format!("--wsrep-cluster-name={}", self.cluster_name),
            format!("--wsrep-cluster-address={address}"),
            "--wsrep-node-address=127.0.0.1".to_owned(),
            // Members list each other's client addresses (`wsrep_incoming_addresses`).
            format!("--wsrep-node-incoming-address=127.0.0.1:{client_port}"),
            format!(
                "--wsrep-provider-options=base_host=127.0.0.1;base_port={};ist.recv_addr=127.0.0.1:{};gcache.size={GCACHE_SIZE};{FAILURE_DETECTION}",
                self.group_port, self.ist_port
            ),
            format!("--wsrep-sst-receive-address=127.0.0.1:{}", self.sst_port),
            "--wsrep-sst-method=rsync".to_owned(),
            // What Galera requires of every node.
            "--binlog-format=ROW".to_owned(),
            "--innodb-autoinc-lock-mode=2".to_owned(),
            "--default-storage-engine=InnoDB".to_owned(),
        ];
        if self.bootstrap {
            args.push("--wsrep-new-cluster".to_owned());
        }
        args
    }
}

/// The provider library: [`PROVIDER_ENV`], else the first of the usual places.
pub(crate) fn locate_provider() -> Result<PathBuf, EmbeddedError> {
    if let Some(path) = std::env::var_os(PROVIDER_ENV) {
        return Ok(PathBuf::from(path));
    }
    PROVIDERS
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
        .ok_or(EmbeddedError::NoGaleraProvider {
            searched: PROVIDERS.join(", "),
        })
}
