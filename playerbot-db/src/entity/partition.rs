//! RANGE partitions by a numeric id: `p0` holds `[0, width)`, `p1` holds `[width, 2·width)`, …,
//! and `pmax` catches everything past the partitions created so far.

/// How an entity's table is RANGE-partitioned, from `#[bot(partition(...))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partitioning {
    /// The partition-key column.
    pub column: &'static str,
    /// Ids per partition.
    pub width: u64,
    /// Partitions created with the table, before `pmax`.
    pub count: u32,
}

impl Partitioning {
    /// The partition number of an id; ids past the created partitions land in `pmax` until
    /// maintenance splits it, but keep their number.
    pub fn partition_of(&self, id: u64) -> u64 {
        id / self.width
    }

    /// The partition's name in the table as first created.
    pub fn initial_partition_name(&self, id: u64) -> String {
        let number = self.partition_of(id);
        if number < u64::from(self.count) {
            format!("p{number}")
        } else {
            "pmax".to_owned()
        }
    }

    /// The exclusive upper bound of partition `number`.
    pub fn upper_bound(&self, number: u64) -> u64 {
        number.saturating_add(1).saturating_mul(self.width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BY_THOUSAND: Partitioning = Partitioning {
        column: "bot_id",
        width: 1000,
        count: 4,
    };

    #[test]
    fn ids_map_to_ranges_and_overflow_to_pmax() {
        assert_eq!(BY_THOUSAND.partition_of(0), 0);
        assert_eq!(BY_THOUSAND.partition_of(999), 0);
        assert_eq!(BY_THOUSAND.partition_of(1000), 1);
        assert_eq!(BY_THOUSAND.initial_partition_name(3999), "p3");
        assert_eq!(BY_THOUSAND.initial_partition_name(4000), "pmax");
        assert_eq!(BY_THOUSAND.partition_of(u64::MAX), u64::MAX / 1000);
        assert_eq!(BY_THOUSAND.upper_bound(u64::MAX), u64::MAX);
    }
}
