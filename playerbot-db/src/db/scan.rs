//! [`Scan`]: a table (or one partition of it) read in key order, a batch at a time, shard
//! after shard.

use super::Db;
use crate::repo::ServerScan;
use crate::{BotEntity, Error};

/// A scan in key order with bounded memory: each [`next_batch`](Scan::next_batch) reads at
/// most `batch` rows, starting after the last key of the previous batch (one index range
/// read each, however far the scan has gone). Rows written behind the scan's position are
/// not seen; a dropped `next_batch` leaves the scan where it was.
///
/// With several shards it reads the first shard's primary to the end, then the next: keys
/// are in order within a shard, not across shards, and a row moved by a range move during
/// the scan may be read twice or not at all.
#[derive(Debug)]
pub struct Scan<'db, E: BotEntity> {
    db: &'db Db,
    /// The shard read now.
    shard: usize,
    scan: ServerScan<'db, E>,
    partition: Option<u64>,
    batch: usize,
}

impl Db {
    /// Scans `E`'s rows in key order, `batch` rows at a time: the whole table with `None`,
    /// or partition `n` (the ids `n · width .. (n + 1) · width` of the partition layout) with
    /// `Some(n)`, which reads that partition only.
    pub fn scan<E: BotEntity>(
        &self,
        partition: Option<u64>,
        batch: usize,
    ) -> Result<Scan<'_, E>, Error> {
        Ok(Scan {
            db: self,
            shard: 0,
            scan: self.first_server().scan::<E>(partition, batch)?,
            partition,
            batch,
        })
    }
}

impl<E: BotEntity> Scan<'_, E> {
    /// The next rows in key order; empty once the scan has read everything.
    pub async fn next_batch(&mut self) -> Result<Vec<E>, Error> {
        loop {
            let rows = self.scan.next_batch().await?;
            if !rows.is_empty() || self.shard + 1 >= self.db.shard_count() {
                return Ok(rows);
            }
            // This shard is read: the next one from its start.
            let next = self.shard + 1;
            self.scan = self.db.server(next).scan::<E>(self.partition, self.batch)?;
            self.shard = next;
        }
    }
}
