//! The benchmark scenarios, by name.

/// One scenario of `playerbot-db bench`; `--scenarios` takes their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub(crate) enum Scenario {
    PointLoad,
    SingleSave,
    #[value(name = "load_many_100")]
    LoadMany100,
    #[value(name = "load_by_prefix_20")]
    LoadByPrefix20,
    PoolCheckout,
    #[value(name = "bulk_save_5000_insert")]
    BulkSave5000Insert,
    #[value(name = "bulk_save_5000_update")]
    BulkSave5000Update,
    CacheHitLoad,
    ZipfHitRate,
    WriteBehindEnqueue,
    SustainedBots,
    ReplicaRead,
    TwoShardBulkSave,
    ClusterSaveDeferred,
    GaleraBulkSave,
    #[value(name = "concurrent_load_64")]
    ConcurrentLoad64,
    #[value(name = "concurrent_save_64")]
    ConcurrentSave64,
    #[value(name = "concurrent_load_1")]
    ConcurrentLoad1,
    /// Not in a default run: five node kills and rejoins take about a minute.
    GaleraFailover,
}

impl Scenario {
    /// Every scenario, in the order a full run takes them.
    pub(crate) const ALL: [Scenario; 18] = [
        Scenario::PointLoad,
        Scenario::SingleSave,
        Scenario::LoadMany100,
        Scenario::LoadByPrefix20,
        Scenario::PoolCheckout,
        Scenario::BulkSave5000Insert,
        Scenario::BulkSave5000Update,
        Scenario::CacheHitLoad,
        Scenario::ZipfHitRate,
        Scenario::WriteBehindEnqueue,
        Scenario::SustainedBots,
        Scenario::ReplicaRead,
        Scenario::TwoShardBulkSave,
        Scenario::ClusterSaveDeferred,
        Scenario::GaleraBulkSave,
        Scenario::ConcurrentLoad64,
        Scenario::ConcurrentSave64,
        Scenario::ConcurrentLoad1,
    ];

    /// The name in reports and on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Scenario::PointLoad => "point_load",
            Scenario::SingleSave => "single_save",
            Scenario::LoadMany100 => "load_many_100",
            Scenario::LoadByPrefix20 => "load_by_prefix_20",
            Scenario::PoolCheckout => "pool_checkout",
            Scenario::BulkSave5000Insert => "bulk_save_5000_insert",
            Scenario::BulkSave5000Update => "bulk_save_5000_update",
            Scenario::CacheHitLoad => "cache_hit_load",
            Scenario::ZipfHitRate => "zipf_hit_rate",
            Scenario::WriteBehindEnqueue => "write_behind_enqueue",
            Scenario::SustainedBots => "sustained_bots",
            Scenario::ReplicaRead => "replica_read",
            Scenario::TwoShardBulkSave => "two_shard_bulk_save",
            Scenario::ClusterSaveDeferred => "cluster_save_deferred",
            Scenario::GaleraBulkSave => "galera_bulk_save",
            Scenario::ConcurrentLoad64 => "concurrent_load_64",
            Scenario::ConcurrentSave64 => "concurrent_save_64",
            Scenario::ConcurrentLoad1 => "concurrent_load_1",
            Scenario::GaleraFailover => "galera_failover",
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::Scenario;

    #[test]
    fn names_match_the_command_line() {
        for scenario in Scenario::ALL {
            let parsed = Scenario::from_str(scenario.name(), false).unwrap();
            assert_eq!(parsed, scenario);
        }
        // Every scenario but the opt-in galera_failover runs by default.
        assert_eq!(Scenario::value_variants().len(), Scenario::ALL.len() + 1);
        assert_eq!(
            Scenario::from_str("galera_failover", false).unwrap().name(),
            "galera_failover"
        );
    }
}
