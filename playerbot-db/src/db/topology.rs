//! Which servers hold which bots: bot-id ranges mapped to shards, each a primary and its
//! replicas: a [`Topology`] of [`ShardSpec`]s, built in code or read from a short text (a
//! file or an environment variable). A map it refuses is a [`TopologyError`], kept in the
//! error module (the root error wraps it, and must not name this module).

use std::fmt;
use std::ops::Range;

use super::TopologyError;
use crate::config::DbUrl;

/// The environment variable [`Topology::from_env`] reads.
pub const SHARDS_ENV: &str = "PLAYERBOT_DB_SHARDS";

/// One shard: the bot ids it holds, and its servers: a primary and its read replicas, or
/// the nodes of a Galera cluster.
#[derive(Clone)]
pub struct ShardSpec {
    /// Bot ids `[start, end)`; the last shard may end at `u64::MAX` (every id above).
    pub ids: Range<u64>,
    /// Where writes go; for a Galera shard, its first node (where writes go while it is
    /// synced).
    pub primary: DbUrl,
    /// Where reads may go (none for a Galera shard, whose other nodes take that part).
    pub replicas: Vec<DbUrl>,
    /// Set when the shard is a Galera cluster.
    pub galera: Option<GaleraSpec>,
}

/// A shard that is a Galera cluster: its nodes in the order they take over as the writer.
#[derive(Clone)]
pub struct GaleraSpec {
    /// The nodes' URLs; writes go to the first synced one.
    pub nodes: Vec<DbUrl>,
    /// Accept fewer than three nodes. Two nodes cannot keep a primary component when one
    /// of them is lost (neither has a majority), so the shard then stops taking writes.
    pub allow_fewer_than_three: bool,
}

impl GaleraSpec {
    /// A cluster of `nodes`, in failover order; at least three unless
    /// [`allow_fewer_than_three`](Self::allow_fewer_than_three).
    pub fn new<U: Into<String>>(nodes: impl IntoIterator<Item = U>) -> GaleraSpec {
        GaleraSpec {
            nodes: nodes.into_iter().map(|url| DbUrl::new(url)).collect(),
            allow_fewer_than_three: false,
        }
    }

    /// Accepts one or two nodes (tests, or an operator who knows the risk).
    pub fn allow_fewer_than_three(mut self) -> GaleraSpec {
        self.allow_fewer_than_three = true;
        self
    }
}

impl fmt::Debug for GaleraSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GaleraSpec")
            .field("nodes", &self.nodes)
            .field("allow_fewer_than_three", &self.allow_fewer_than_three)
            .finish()
    }
}

impl fmt::Debug for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShardSpec")
            .field("ids", &self.ids)
            .field("primary", &self.primary)
            .field("replicas", &self.replicas)
            .field("galera", &self.galera)
            .finish()
    }
}

/// The shard map: ranges in order, without gaps or overlaps, from id 0 up.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    shards: Vec<ShardSpec>,
}

impl Topology {
    /// One server for every bot id: the single-server setup as a topology.
    pub fn single(primary: impl Into<String>) -> Topology {
        Topology {
            shards: vec![ShardSpec {
                ids: 0..u64::MAX,
                primary: DbUrl::new(primary),
                replicas: Vec::new(),
                galera: None,
            }],
        }
    }

    /// One Galera cluster for every bot id (the common Galera setup).
    pub fn galera(cluster: GaleraSpec) -> Topology {
        Topology::default().galera_shard(0..u64::MAX, cluster)
    }

    /// Adds the next shard: bot ids `ids` on the Galera cluster `cluster`.
    pub fn galera_shard(mut self, ids: Range<u64>, cluster: GaleraSpec) -> Topology {
        let primary = cluster
            .nodes
            .first()
            .cloned()
            .unwrap_or_else(|| DbUrl::new(""));
        self.shards.push(ShardSpec {
            ids,
            primary,
            replicas: Vec::new(),
            galera: Some(cluster),
        });
        self
    }

    /// Adds the next shard: bot ids `ids` on `primary`, readable from `replicas`.
    pub fn shard<R: Into<String>>(
        mut self,
        ids: Range<u64>,
        primary: impl Into<String>,
        replicas: impl IntoIterator<Item = R>,
    ) -> Topology {
        self.shards.push(ShardSpec {
            ids,
            primary: DbUrl::new(primary),
            replicas: replicas.into_iter().map(|r| DbUrl::new(r)).collect(),
            galera: None,
        });
        self
    }

    /// Reads the text form: one shard per line (or per `;`-separated entry, for an
    /// environment variable), `START..END PRIMARY_URL [REPLICA_URL …]`, or for a Galera
    /// cluster `START..END galera NODE_URL NODE_URL NODE_URL …` (`galera:allow-small` for
    /// fewer than three nodes); `END` may be left out on the last shard (every id above).
    /// `#` starts a comment.
    pub fn parse(text: &str) -> Result<Topology, TopologyError> {
        let mut topology = Topology::default();
        let entries = text
            .split(['\n', ';'])
            .map(|line| line.split('#').next().unwrap_or("").trim());
        for (index, entry) in entries.enumerate().filter(|(_, e)| !e.is_empty()) {
            let bad = |problem: &str| TopologyError::BadLine {
                line: index + 1,
                problem: problem.to_owned(),
            };
            let mut words = entry.split_whitespace();
            let range = words.next().ok_or_else(|| bad("no id range"))?;
            let (start, end) = range
                .split_once("..")
                .ok_or_else(|| bad("the id range must look like 0..50000"))?;
            let start: u64 = start
                .parse()
                .map_err(|_| bad("the range's start is not an id"))?;
            let end: u64 = if end.is_empty() {
                u64::MAX
            } else {
                end.parse()
                    .map_err(|_| bad("the range's end is not an id"))?
            };
            let primary = words.next().ok_or_else(|| bad("no primary URL"))?;
            topology = match primary {
                "galera" | "galera:allow-small" => {
                    let mut cluster = GaleraSpec::new(words);
                    cluster.allow_fewer_than_three = primary == "galera:allow-small";
                    topology.galera_shard(start..end, cluster)
                }
                _ => topology.shard(start..end, primary, words),
            };
        }
        topology.validate()?;
        Ok(topology)
    }

    /// Reads the text form from a file (see [`parse`](Self::parse)).
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Topology, crate::Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
            action: "reading the shard map",
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Topology::parse(&text)?)
    }

    /// Reads the text form from the environment variable [`SHARDS_ENV`] (entries separated
    /// by `;`); `None` when it is not set.
    pub fn from_env() -> Option<Result<Topology, TopologyError>> {
        let text = std::env::var(SHARDS_ENV).ok()?;
        Some(Topology::parse(&text))
    }

    /// Checks that the ranges start at 0 and follow each other.
    pub fn validate(&self) -> Result<(), TopologyError> {
        if self.shards.is_empty() {
            return Err(TopologyError::Empty);
        }
        let mut expected = 0;
        for (index, shard) in self.shards.iter().enumerate() {
            if shard.ids.start != expected || shard.ids.end <= shard.ids.start {
                return Err(TopologyError::NotContiguous {
                    index,
                    start: shard.ids.start,
                    expected,
                });
            }
            expected = shard.ids.end;
            if let Some(cluster) = &shard.galera {
                let nodes = cluster.nodes.len();
                if nodes == 0 || (nodes < 3 && !cluster.allow_fewer_than_three) {
                    return Err(TopologyError::GaleraTooSmall { index, nodes });
                }
            }
        }
        Ok(())
    }

    /// The shards, in id order.
    pub fn shards(&self) -> &[ShardSpec] {
        &self.shards
    }

    /// The shard that holds bot id `id`; ids past the last range go to the last shard.
    pub fn shard_of(&self, id: u64) -> usize {
        self.shards
            .iter()
            .position(|shard| id < shard.ids.end)
            .unwrap_or(self.shards.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_entries() {
        let text = "0..50000 mysql://a/game mysql://a2/game # first\n\n50000.. mysql://b/game";
        let topology = Topology::parse(text).unwrap();
        assert_eq!(topology.shards().len(), 2);
        assert_eq!(topology.shards()[0].replicas.len(), 1);
        assert_eq!(topology.shards()[1].ids, 50_000..u64::MAX);
        assert_eq!(topology.shard_of(49_999), 0);
        assert_eq!(topology.shard_of(50_000), 1);
        let env = Topology::parse("0..10 mysql://a/x; 10.. mysql://b/x").unwrap();
        assert_eq!(env.shard_of(10), 1);
    }

    #[test]
    fn parses_galera_shards_and_refuses_small_ones() {
        let text = "0.. galera mysql://n1/game mysql://n2/game mysql://n3/game";
        let topology = Topology::parse(text).unwrap();
        let cluster = topology.shards()[0].galera.as_ref().unwrap();
        assert_eq!(cluster.nodes.len(), 3);
        assert_eq!(topology.shards()[0].primary.expose(), "mysql://n1/game");
        assert!(topology.shards()[0].replicas.is_empty());
        assert_eq!(
            Topology::parse("0.. galera mysql://n1/game mysql://n2/game").unwrap_err(),
            TopologyError::GaleraTooSmall { index: 0, nodes: 2 }
        );
        let pair = Topology::parse("0.. galera:allow-small mysql://n1/g mysql://n2/g").unwrap();
        assert!(
            pair.shards()[0]
                .galera
                .as_ref()
                .unwrap()
                .allow_fewer_than_three
        );
        assert_eq!(
            Topology::parse("0.. galera").unwrap_err(),
            TopologyError::GaleraTooSmall { index: 0, nodes: 0 }
        );
    }

    #[test]
    fn refuses_gaps_overlaps_and_garbage() {
        assert!(matches!(
            Topology::parse("0..10 mysql://a/x\n20.. mysql://b/x"),
            Err(TopologyError::NotContiguous { index: 1, .. })
        ));
        assert!(matches!(
            Topology::parse("5..10 mysql://a/x"),
            Err(TopologyError::NotContiguous { index: 0, .. })
        ));
        assert!(matches!(
            Topology::parse("zero.. mysql://a/x"),
            Err(TopologyError::BadLine { line: 1, .. })
        ));
        assert_eq!(
            Topology::parse("# nothing").unwrap_err(),
            TopologyError::Empty
        );
    }
}
