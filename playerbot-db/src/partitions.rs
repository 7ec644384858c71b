//! Keeping RANGE partitions ahead of the ids in use, and removing ranges whole.
//!
//! The derive creates `p0 … p{n-1}` and a catch-all `pmax`. As bot ids grow, rows land in
//! `pmax`; [`Db::ensure_partitions`] splits it (`REORGANIZE PARTITION pmax INTO …`) so there
//! are partitions up to the highest id plus some headroom. The server moves the rows of
//! `pmax` into the new partitions under a metadata lock: writes wait for it, nothing is lost.

use std::ops::Range;
use std::time::Duration;

use mysql_async::prelude::Queryable;

use playerbot_db_sql::partition as sql;
use playerbot_db_sql::{catalog, Name};

use crate::pool::{Busy, ServerConn};
use crate::server::Server;
use crate::{BotEntity, Db, EntityMeta, Error, Partitioning};

/// One partition of a table: `[lower, upper)` ids, and its exact row count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    /// The partition's name (`p0`, …, `pmax`).
    pub name: String,
    /// The lowest id it holds.
    pub lower: u64,
    /// `None` for the MAXVALUE partition.
    pub upper: Option<u64>,
    /// Rows in it, counted.
    pub rows: u64,
}

/// Which partitions a statement reads, as the server's EXPLAIN reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPlan {
    /// Partitions the load by key reads.
    pub select_by_key: Vec<String>,
    /// Partitions the delete by key reads.
    pub delete_by_key: Vec<String>,
}

/// The most partitions a table may have on MySQL and MariaDB.
pub const MAX_PARTITIONS: u64 = 8_192;

/// Serializes partition maintenance across processes.
const MAINTENANCE_LOCK: &str = "playerbot_db_partitions";
/// How long maintenance waits for another process's maintenance of the same table.
const MAINTENANCE_LOCK_WAIT: Duration = Duration::from_secs(60);

fn partitioning(meta: &EntityMeta) -> Result<Partitioning, Error> {
    meta.partitioning.ok_or(Error::NotPartitioned {
        entity: meta.entity,
    })
}

impl Server {
    /// The table's partitions in order, with exact row counts.
    pub(crate) async fn partitions<E: BotEntity>(&self) -> Result<Vec<PartitionInfo>, Error> {
        let meta = E::META;
        partitioning(meta)?;
        let mut guard = self.conn().await?;
        let conn = &mut guard.routine().conn;
        let listed = live_partitions(conn, meta.table).await?;
        if listed.is_empty() && !table_exists(conn, meta.table).await? {
            guard.routine_done();
            return Err(Error::NoSuchTable {
                entity: meta.entity,
                table: meta.table,
            });
        }
        let mut partitions = Vec::with_capacity(listed.len());
        let mut lower = 0;
        for (name, bound) in listed {
            let upper = bound
                .as_deref()
                .filter(|b| *b != "MAXVALUE")
                .map(|b| b.parse::<u64>())
                .transpose()
                .map_err(|_| Error::BadPartitionBound {
                    table: meta.table,
                    partition: name.clone(),
                    bound: bound.clone().unwrap_or_default(),
                })?;
            let partition = Name::new("partition", name.as_str())?;
            let rows: Option<u64> = conn
                .query_first(sql::count_rows(meta.table, &partition))
                .await?;
            partitions.push(PartitionInfo {
                name,
                lower,
                upper,
                rows: rows.unwrap_or(0),
            });
            lower = upper.unwrap_or(u64::MAX);
        }
        guard.routine_done();
        Ok(partitions)
    }

    /// Makes sure partitions exist up to the highest id in use plus `headroom` ids, by
    /// splitting `pmax`; returns the names of the partitions it added.
    pub(crate) async fn ensure_partitions<E: BotEntity>(
        &self,
        headroom: u64,
    ) -> Result<Vec<String>, Error> {
        let meta = E::META;
        let layout = partitioning(meta)?;
        let mut guard = self.conn().await?;
        with_lock(self.pool(), guard.server(), meta.table, async |conn| {
            let highest: Option<u64> = conn
                .query_first(sql::max_of(meta.table, layout.column))
                .await?
                .flatten();
            let listed = live_partitions(conn, meta.table).await?;
            let covered = highest_bound(&listed);
            let wanted = highest.unwrap_or(0).saturating_add(headroom);
            // Counted before anything is built: an outlier id could ask for billions.
            let needed = if wanted < covered {
                0
            } else {
                (wanted / layout.width - covered / layout.width).saturating_add(1)
            };
            let total = (listed.len() as u64).saturating_add(needed);
            if total > MAX_PARTITIONS {
                return Err(Error::TooManyPartitions {
                    table: meta.table,
                    id: wanted,
                    needed: total,
                    limit: MAX_PARTITIONS,
                });
            }
            let mut added = Vec::new();
            let mut bound = covered;
            while bound <= wanted {
                let number = bound / layout.width;
                bound = layout.upper_bound(number);
                added.push((Name::new("partition", format!("p{number}"))?, bound));
                if bound == u64::MAX {
                    break;
                }
            }
            if added.is_empty() {
                return Ok(Vec::new());
            }
            conn.query_drop(sql::reorganize_pmax(meta.table, &added))
                .await?;
            tracing::info!(
                table = meta.table,
                added = added.len(),
                up_to = bound,
                "partitions added"
            );
            Ok(added
                .into_iter()
                .map(|(name, _)| name.to_string())
                .collect())
        })
        .await
    }

    pub(crate) async fn alter_partitions<E: BotEntity>(
        &self,
        ids: Range<u64>,
        action: sql::Action,
    ) -> Result<Vec<String>, Error> {
        let meta = E::META;
        partitioning(meta)?;
        let _clear = self.registry().plan::<E>()?.clear_cache_around();
        let inside: Vec<String> = self
            .partitions::<E>()
            .await?
            .into_iter()
            .filter(|p| p.lower >= ids.start && p.upper.is_some_and(|upper| upper <= ids.end))
            .map(|p| p.name)
            .collect();
        if inside.is_empty() {
            return Ok(inside);
        }
        let mut guard = self.conn().await?;
        let names = inside
            .iter()
            .map(|name| Name::new("partition", name.as_str()))
            .collect::<Result<Vec<_>, _>>()?;
        let statement = sql::alter(meta.table, action, &names);
        with_lock(self.pool(), guard.server(), meta.table, async |conn| {
            Ok(conn.query_drop(statement).await?)
        })
        .await?;
        Ok(inside)
    }
}

/// `(name, bound)` of each partition of `table` in the current database, in order; the bound
/// is `MAXVALUE` for the catch-all. Empty for a table that is not partitioned.
pub(crate) async fn live_partitions(
    conn: &mut mysql_async::Conn,
    table: &str,
) -> Result<Vec<(String, Option<String>)>, Error> {
    let rows: Vec<(Option<String>, Option<String>)> = conn.exec(sql::LIST, (table,)).await?;
    // An unpartitioned table has one row with a NULL name.
    Ok(rows
        .into_iter()
        .filter_map(|(name, bound)| Some((name?, bound)))
        .collect())
}

/// Whether `table` exists in the current database.
async fn table_exists(conn: &mut mysql_async::Conn, table: &str) -> Result<bool, Error> {
    let found: Option<u64> = conn.exec_first(catalog::TABLE_EXISTS, (table,)).await?;
    Ok(found.unwrap_or(0) > 0)
}

/// The upper bound of the last bounded partition (ids below it have a partition of their own).
fn highest_bound(listed: &[(String, Option<String>)]) -> u64 {
    listed
        .iter()
        .filter_map(|(_, bound)| bound.as_deref()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

/// Runs `work` holding the table's maintenance lock, so two processes never alter its
/// partitions at once. The connection is marked as holding a named lock from before
/// `GET_LOCK` is sent until `RELEASE_LOCK` has answered, so a call dropped in between leaves
/// the release to the recycler (`RELEASE_ALL_LOCKS()`), never to the next user. On a Galera
/// node, where `GET_LOCK` holds on that node only, the lock is a lease (see `lease`).
async fn with_lock<T>(
    pool: &std::sync::Arc<crate::pool::PoolInner>,
    server: &mut ServerConn,
    table: &str,
    work: impl AsyncFnOnce(&mut mysql_async::Conn) -> Result<T, Error>,
) -> Result<T, Error> {
    server.state.enter(Busy::Statement);
    if server.galera_node {
        let name = format!("{MAINTENANCE_LOCK}.{table}");
        let lease =
            crate::lease::Lease::take(pool, &mut server.conn, &name, MAINTENANCE_LOCK_WAIT).await?;
        let result = work(&mut server.conn).await;
        lease.release(&mut server.conn).await?;
        server.state.leave(Busy::Statement);
        return result;
    }
    server.state.enter(Busy::NamedLock);
    let got: Option<Option<i64>> = server
        .conn
        .exec_first(
            sql::LOCK,
            (MAINTENANCE_LOCK, table, MAINTENANCE_LOCK_WAIT.as_secs()),
        )
        .await?;
    if got.flatten() != Some(1) {
        return Err(Error::LockTimeout {
            lock: format!("{MAINTENANCE_LOCK}.{table}"),
            waited: MAINTENANCE_LOCK_WAIT,
        });
    }
    let result = work(&mut server.conn).await;
    let _: Option<Option<i64>> = server
        .conn
        .exec_first(sql::UNLOCK, (MAINTENANCE_LOCK, table))
        .await?;
    server.state.leave(Busy::NamedLock);
    server.state.leave(Busy::Statement);
    result
}

impl Db {
    /// `E`'s table's partitions in order, with exact row counts, on the first shard's primary
    /// (ask `db.primary(shard)` for another).
    pub async fn partitions<E: BotEntity>(&self) -> Result<Vec<PartitionInfo>, Error> {
        self.first_server().partitions::<E>().await
    }

    /// Makes sure partitions exist up to the highest id in use plus `headroom` ids, by
    /// splitting `pmax`, on every shard's primary in turn; returns the names of the
    /// partitions it added (each name once).
    pub async fn ensure_partitions<E: BotEntity>(
        &self,
        headroom: u64,
    ) -> Result<Vec<String>, Error> {
        let mut added = Vec::new();
        for server in self.servers() {
            union(&mut added, server.ensure_partitions::<E>(headroom).await?);
        }
        Ok(added)
    }

    /// Empties every partition that lies wholly inside `ids` (a fast `TRUNCATE PARTITION`)
    /// on every shard's primary; returns their names. Rows in partitions that only overlap
    /// `ids` are left alone.
    pub async fn truncate_partitions<E: BotEntity>(
        &self,
        ids: Range<u64>,
    ) -> Result<Vec<String>, Error> {
        self.alter_everywhere::<E>(ids, sql::Action::Truncate).await
    }

    /// Drops every partition that lies wholly inside `ids`, rows and all (never `pmax`), on
    /// every shard's primary; ids in a dropped range then fall into the next partition up.
    pub async fn drop_partitions<E: BotEntity>(
        &self,
        ids: Range<u64>,
    ) -> Result<Vec<String>, Error> {
        self.alter_everywhere::<E>(ids, sql::Action::Drop).await
    }

    /// `action` on the partitions inside `ids` of every primary; their names, each once.
    async fn alter_everywhere<E: BotEntity>(
        &self,
        ids: Range<u64>,
        action: sql::Action,
    ) -> Result<Vec<String>, Error> {
        let mut altered = Vec::new();
        for server in self.servers() {
            union(
                &mut altered,
                server.alter_partitions::<E>(ids.clone(), action).await?,
            );
        }
        Ok(altered)
    }
}

/// Adds the names of `more` not in `names` yet.
fn union(names: &mut Vec<String>, more: Vec<String>) {
    for name in more {
        if !names.contains(&name) {
            names.push(name);
        }
    }
}
