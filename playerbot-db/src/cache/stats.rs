//! A cache's counters at one moment.

/// One entity type's L1 cache: size and what it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// The entity's name.
    pub entity: &'static str,
    /// The most values it holds.
    pub capacity: u64,
    /// Values it holds now.
    pub len: usize,
    /// Loads it answered from memory.
    pub hits: u64,
    /// Loads it could not answer (expired values included).
    pub misses: u64,
    /// Values dropped for room or because their time ran out.
    pub evictions: u64,
}

impl CacheStats {
    /// Hits over all lookups (0 when there were none).
    pub fn hit_rate(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 {
            0.0
        } else {
            self.hits as f64 / lookups as f64
        }
    }

    /// Publishes the snapshot through the `metrics` facade, labelled by entity.
    pub fn export_metrics(&self) {
        self.export_metrics_with(&[]);
    }

    /// The same, with `labels` beside `entity` (a cluster adds `shard`).
    pub fn export_metrics_with(&self, labels: &[(&'static str, String)]) {
        let mut labels = labels.to_vec();
        labels.push(("entity", self.entity.to_owned()));
        let labels = &labels;
        metrics::counter!("playerbot_db_cache_hits_total", labels).absolute(self.hits);
        metrics::counter!("playerbot_db_cache_misses_total", labels).absolute(self.misses);
        metrics::counter!("playerbot_db_cache_evictions_total", labels).absolute(self.evictions);
        metrics::gauge!("playerbot_db_cache_size", labels).set(self.len as f64);
    }
}
