//! Several servers' counters as one: what a cluster reports for all its shards.

use crate::{CacheStats, PoolStats, WriteBehindStats};

/// Counters add up; gauges of the moment add up; worst cases take the larger.
pub(super) fn pool(total: PoolStats, one: PoolStats) -> PoolStats {
    PoolStats {
        open: total.open + one.open,
        idle: total.idle + one.idle,
        in_use: total.in_use + one.in_use,
        max: total.max + one.max,
        checkouts: total.checkouts + one.checkouts,
        waits: total.waits + one.waits,
        wait_time: total.wait_time + one.wait_time,
        max_wait: total.max_wait.max(one.max_wait),
        timeouts: total.timeouts + one.timeouts,
        connects: total.connects + one.connects,
        connect_failures: total.connect_failures + one.connect_failures,
        retries: total.retries + one.retries,
        recycled: total.recycled + one.recycled,
        closed_unclean: total.closed_unclean + one.closed_unclean,
        tls_unverified: total.tls_unverified || one.tls_unverified,
    }
}

/// Rows and rounds add up; ages and durations take the worst shard's.
pub(super) fn write_behind(total: WriteBehindStats, one: WriteBehindStats) -> WriteBehindStats {
    WriteBehindStats {
        depth: total.depth + one.depth,
        oldest_unflushed: total.oldest_unflushed.max(one.oldest_unflushed),
        stalled_for: total.stalled_for.max(one.stalled_for),
        flushes: total.flushes + one.flushes,
        last_flush: total.last_flush.max(one.last_flush),
        max_flush: total.max_flush.max(one.max_flush),
        flush_p50: total.flush_p50.max(one.flush_p50),
        flush_p99: total.flush_p99.max(one.flush_p99),
        rows_written: total.rows_written + one.rows_written,
        rows_coalesced: total.rows_coalesced + one.rows_coalesced,
        retries: total.retries + one.retries,
        rejected: total.rejected + one.rejected,
    }
}

/// One entry per entity, every shard's cache of it added up.
pub(super) fn caches(all: impl IntoIterator<Item = CacheStats>) -> Vec<CacheStats> {
    let mut merged: Vec<CacheStats> = Vec::new();
    for stats in all {
        match merged.iter_mut().find(|m| m.entity == stats.entity) {
            Some(total) => {
                total.capacity += stats.capacity;
                total.len += stats.len;
                total.hits += stats.hits;
                total.misses += stats.misses;
                total.evictions += stats.evictions;
            }
            None => merged.push(stats),
        }
    }
    merged
}
