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

/// One shard: the bot ids it holds, its primary and its read replicas.
#[derive(Clone)]
pub struct ShardSpec {
    /// Bot ids `[start, end)`; the last shard may end at `u64::MAX` (every id above).
    pub ids: Range<u64>,
    /// Where writes go.
    pub primary: DbUrl,
    /// Where reads may go.
    pub replicas: Vec<DbUrl>,
}

impl fmt::Debug for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShardSpec")
            .field("ids", &self.ids)
            .field("primary", &self.primary)
            .field("replicas", &self.replicas)
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
            }],
        }
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
        });
        self
    }

    /// Reads the text form: one shard per line (or per `;`-separated entry, for an
    /// environment variable), `START..END PRIMARY_URL [REPLICA_URL …]`; `END` may be left
    /// out on the last shard (every id above). `#` starts a comment.
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
            topology = topology.shard(start..end, primary, words);
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
