//! How a handle over shards reads from replicas, checks them, and moves ranges.

use std::time::Duration;

/// Where a read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadFrom {
    /// The shard's primary (and its cache): always the newest value.
    #[default]
    Primary,
    /// A replica in rotation, else the primary; may be behind by the replica's lag.
    Replica,
    /// A replica once it has applied everything the primary had written when the read
    /// started (so a caller reads its own writes); the primary when no replica catches up
    /// within the wait.
    ReadYourWrites,
}

/// How a cluster reads from replicas, checks them, and moves ranges.
#[derive(Debug, Clone, Copy)]
pub struct ClusterPolicy {
    /// Where reads go unless a call says otherwise (default: the primary).
    pub default_read: ReadFrom,
    /// A replica further behind than this is taken out of rotation (default 5 s).
    pub max_lag: Duration,
    /// How often replicas are checked (default 1 s).
    pub check_every: Duration,
    /// How long a read-your-writes read waits for a replica (default 200 ms).
    pub catch_up_wait: Duration,
    /// How long a write to a range that is being moved waits before it fails with
    /// [`Error::RangeMoving`](crate::Error::RangeMoving) (default 5 s); a move also gives up waiting for writes in
    /// flight after this long.
    pub move_wait: Duration,
    /// How often each process reads the shard map shared on the first shard (default
    /// 100 ms): how soon it takes in a hold or a switch made by another process.
    pub route_poll: Duration,
    /// A process not heard from for this long is silent (default 3 s): a move refuses to
    /// start or go on while one is, since it may still write on routes it cannot update.
    pub silent_after: Duration,
    /// A process not heard from for this long has stopped and is forgotten (default 60 s).
    pub forget_after: Duration,
    /// How often a Galera shard's nodes are checked (default 200 ms; also at once when a
    /// call loses its connection or retries): with the check timeout, how long a lost
    /// writer can go unnoticed.
    pub galera_check_every: Duration,
    /// How long one node's check may take before the node counts as lost (default 1 s): a
    /// node that accepts connections and never answers (stopped, overloaded) is found so.
    pub galera_check_timeout: Duration,
}

impl Default for ClusterPolicy {
    fn default() -> Self {
        ClusterPolicy {
            default_read: ReadFrom::Primary,
            max_lag: Duration::from_secs(5),
            check_every: Duration::from_secs(1),
            catch_up_wait: Duration::from_millis(200),
            move_wait: Duration::from_secs(5),
            route_poll: Duration::from_millis(100),
            silent_after: Duration::from_secs(3),
            forget_after: Duration::from_secs(60),
            galera_check_every: Duration::from_millis(200),
            galera_check_timeout: Duration::from_secs(1),
        }
    }
}

/// Where the reads that asked for a replica went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadStats {
    /// Answered by a replica.
    pub replica_reads: u64,
    /// Sent to the primary instead.
    pub fallbacks: u64,
}
