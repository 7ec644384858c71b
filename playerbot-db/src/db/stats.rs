//! What a handle's servers have done and hold: pool, cache and write-behind counters added
//! up over the shards' primaries, replica health, and their export as metrics.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Weak;
use std::time::Duration;

use super::{aggregate, Db, DbInner, GaleraNodeHealth, ReadStats, ReplicaHealth};
use crate::{CacheStats, CoalesceStats, Error, PoolStats, ServerStats, WriteBehindStats};

impl Db {
    /// The pools' counters at this moment: every primary's, added up.
    pub fn stats(&self) -> PoolStats {
        let mut primaries = self.servers().map(|server| server.stats());
        let first = primaries.next().expect("a Db has a server");
        primaries.fold(first, aggregate::pool)
    }

    /// The L1 caches' counters, one entry per cached entity type (every shard's cache added
    /// up).
    pub fn cache_stats(&self) -> Vec<CacheStats> {
        if !self.sharded() {
            return self.first_server().cache_stats();
        }
        aggregate::caches(self.servers().flat_map(|server| server.cache_stats()))
    }

    /// Point loads served by statements they joined (see [`DbBuilder::coalesce`]): how
    /// many calls, in how many statements, over every shard's primary.
    ///
    /// [`DbBuilder::coalesce`]: crate::DbBuilder::coalesce
    pub fn coalesce_stats(&self) -> CoalesceStats {
        self.servers()
            .map(|server| server.coalesce_stats())
            .fold(CoalesceStats::default(), CoalesceStats::add)
    }

    /// The write-behind queues' depth and what they have done: rows add up, ages take the
    /// worst shard's.
    pub fn write_behind_stats(&self) -> WriteBehindStats {
        let mut shards = self.servers().map(|server| server.write_behind_stats());
        let first = shards.next().expect("a Db has a server");
        shards.fold(first, aggregate::write_behind)
    }

    /// The monitoring snapshot of the first shard's primary and of the database the handle
    /// uses there (`db.primary(shard)` for another).
    pub async fn server_stats(&self) -> Result<ServerStats, Error> {
        self.first_server().server_stats().await
    }

    /// Where the reads that asked for a replica went.
    pub fn read_stats(&self) -> ReadStats {
        ReadStats {
            replica_reads: self.inner.replica_reads.load(Ordering::Relaxed),
            fallbacks: self.inner.fallbacks.load(Ordering::Relaxed),
        }
    }

    /// What the last checks found about every replica.
    pub fn replica_health(&self) -> Vec<ReplicaHealth> {
        self.inner
            .shards
            .iter()
            .enumerate()
            .flat_map(|(index, shard)| shard.replicas.iter().map(move |r| r.health(index)))
            .collect()
    }

    /// What the last checks found about every node of every Galera shard, as
    /// `(shard, nodes)`: each node's state, the writer marked (no server is asked here; the
    /// monitor checks every `galera_check_every`).
    pub fn galera_health(&self) -> Vec<(usize, Vec<GaleraNodeHealth>)> {
        self.inner
            .shards
            .iter()
            .filter_map(|shard| shard.galera.as_ref())
            .map(|galera| (galera.shard(), galera.health()))
            .collect()
    }

    /// How many times a Galera shard's writer moved to another node, over every shard.
    pub fn galera_failovers(&self) -> u64 {
        self.inner
            .shards
            .iter()
            .filter_map(|shard| shard.galera.as_ref())
            .map(|galera| galera.failovers())
            .sum()
    }

    /// Checks every replica now (the background checks do the same every `check_every`).
    pub async fn check_replicas(&self) {
        check_all(&self.inner).await;
    }

    /// Publishes the pool, cache and write-behind snapshots through the `metrics` facade, so
    /// whatever exporter the game server installed (Prometheus, say) serves them. Call it
    /// now and then (once a second is plenty); flush durations are recorded as a histogram
    /// (`playerbot_db_write_behind_flush_seconds`) as they happen.
    ///
    /// Each primary's snapshots are labelled `shard="N"` (`"0"` with one server; add shards
    /// up with the collector's `sum`); then each replica's health
    /// (`playerbot_db_replica_in_rotation`, `_lag_seconds`, labelled `shard` and `replica`)
    /// and where reads that asked for a replica went.
    pub fn export_metrics(&self) {
        for (index, server) in self.servers().enumerate() {
            let labels = [("shard", index.to_string())];
            server.stats().export_metrics_with(&labels);
            for cache in server.cache_stats() {
                cache.export_metrics_with(&labels);
            }
            server.write_behind_stats().export_metrics_with(&labels);
            server.coalesce_stats().export_metrics_with(&labels);
        }
        let mut replicas: HashMap<usize, usize> = HashMap::new();
        for health in self.replica_health() {
            let number = replicas.entry(health.shard).or_default();
            let labels = [
                ("shard", health.shard.to_string()),
                ("replica", number.to_string()),
            ];
            *number += 1;
            metrics::gauge!("playerbot_db_replica_in_rotation", &labels).set(if health.healthy {
                1.0
            } else {
                0.0
            });
            if let Some(lag) = health.lag_seconds {
                metrics::gauge!("playerbot_db_replica_lag_seconds", &labels).set(lag as f64);
            }
        }
        for (shard, nodes) in self.galera_health() {
            for (node, health) in nodes.iter().enumerate() {
                let labels = [("shard", shard.to_string()), ("node", node.to_string())];
                let flag = |on: bool| if on { 1.0 } else { 0.0 };
                metrics::gauge!("playerbot_db_galera_node_usable", &labels)
                    .set(flag(health.usable()));
                metrics::gauge!("playerbot_db_galera_node_writer", &labels)
                    .set(flag(health.writer));
                metrics::gauge!("playerbot_db_galera_cluster_size", &labels)
                    .set(f64::from(health.cluster_size));
                metrics::gauge!("playerbot_db_galera_flow_control_paused", &labels)
                    .set(health.flow_control_paused);
                metrics::gauge!("playerbot_db_galera_cert_failures", &labels)
                    .set(health.cert_failures as f64);
                metrics::gauge!("playerbot_db_galera_recv_queue", &labels)
                    .set(health.recv_queue as f64);
            }
        }
        let reads = self.read_stats();
        metrics::counter!("playerbot_db_replica_reads_total").absolute(reads.replica_reads);
        metrics::counter!("playerbot_db_replica_fallbacks_total").absolute(reads.fallbacks);
    }
}

async fn check_all(inner: &DbInner) {
    let policy = inner.policy;
    for shard in &inner.shards {
        for replica in &shard.replicas {
            replica
                .check(
                    policy.max_lag,
                    policy.check_every.max(Duration::from_secs(1)),
                )
                .await;
        }
    }
}

/// Checks the replicas every `check_every` while the handle lives.
pub(super) async fn check_replicas(inner: Weak<DbInner>) {
    loop {
        let Some(db) = inner.upgrade() else {
            return;
        };
        let every = db.policy.check_every;
        check_all(&db).await;
        drop(db);
        tokio::time::sleep(every).await;
    }
}
