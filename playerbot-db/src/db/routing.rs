//! The shard map shared by every process of a cluster, kept on the first shard's primary.
//!
//! A move can run in any process (the game's, or `playerbot-db shard move`). Every process
//! with two or more shards follows the shared map: each `route_poll` it says it is alive
//! and reads the map's version and the range a move holds. When a move holds a range, each
//! process holds its own writes to it, waits for the ones in flight, flushes the source's
//! write-behind queue and answers; the mover copies only once every live process has
//! answered. The switch rewrites the routes and lets go of the hold in one transaction; each
//! process takes in the new routes before it lets its held writes go, and the mover deletes
//! the source's rows only once every live process routes to the target.
//!
//! This file holds the map's types and tables; `following.rs` is a process following it,
//! `shared_hold.rs` a move's hold and switch in it.

use std::hash::{BuildHasher, Hasher};
use std::ops::Range;
use std::sync::Mutex;
use std::time::Duration;

use mysql_async::prelude::Queryable;
use playerbot_db_sql::routing as sql;

use super::own_conn::OwnConn;
use super::{Db, TopologyError};
use crate::Error;

/// The control row: version, held range's first id and end, hold number, mover's token.
pub(super) type Control = (u64, Option<u64>, Option<u64>, u64, Option<u64>);

/// Routes: bot-id ranges in order, each to a shard.
pub(super) type Routes = Vec<(Range<u64>, usize)>;

/// This process's place in the shared map.
#[derive(Debug)]
pub(super) struct Member {
    pub(super) id: u64,
    pub(super) name: String,
    pub(super) seen: Mutex<Seen>,
    /// Held for each round of following; set `left` waits for the one in flight.
    pub(super) round: tokio::sync::Mutex<()>,
    /// The connection each round follows on, holding this process's lock (see
    /// `routing::TAKE_MEMBER_LOCK`) for as long as it works; a round that fails drops it, and
    /// the next takes the lock again on a new one. It is the process's own, outside the
    /// first shard's pool: it takes no place from the calls.
    pub(super) conn: tokio::sync::Mutex<Option<mysql_async::Conn>>,
    /// Set once the process left the map: no more rounds, no more heartbeats.
    pub(super) left: std::sync::atomic::AtomicBool,
}

/// What this process has taken in from the shared map.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// The routes' version in force here.
    pub(super) version: u64,
    /// The last hold whose writes this process stopped and flushed.
    pub(super) held_epoch: u64,
    /// A hold of another process's move, taken here: its number and whether it is answered.
    pub(super) remote: Option<(u64, bool)>,
    /// The token of this process's own move's hold, which the poll leaves alone.
    pub(super) own: Option<u64>,
}

/// A process following the shared shard map, as the map's home last heard from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follower {
    /// Its number in the map.
    pub id: u64,
    /// What it calls itself (its process id and number).
    pub name: String,
    /// Since it was last heard from, by the home server's clock.
    pub silent_for: Duration,
    /// The last hold it answered.
    pub held_epoch: u64,
    /// The routes' version it routes by.
    pub routes_version: u64,
}

/// The shard map shared on the first shard, as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedMap {
    /// Where each bot-id range is routed, in id order.
    pub routes: Vec<(Range<u64>, usize)>,
    /// Raised by every switch.
    pub version: u64,
    /// The range a move holds, with the hold's number.
    pub held: Option<(Range<u64>, u64)>,
    /// Every process following the map.
    pub followers: Vec<Follower>,
}

/// A number no other process or move is likely to pick; the top bit clear, so it fits a
/// signed BIGINT too.
pub(super) fn random_id() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.finish() >> 1
}

impl Member {
    pub(super) fn new() -> Member {
        let id = random_id();
        Member {
            id,
            name: format!("pid {} ({id:x})", std::process::id()),
            seen: Mutex::new(Seen::default()),
            round: tokio::sync::Mutex::new(()),
            conn: tokio::sync::Mutex::new(None),
            left: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub(super) fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().expect("member lock")
    }
}

/// Creates the shared tables on the first shard when missing, writes `initial` as the routes
/// when there are none, and returns the routes in force with their version.
pub(super) async fn prepare(cluster: &Db, initial: &Routes) -> Result<(Routes, u64), Error> {
    let mut conn = OwnConn::on(cluster.server(0)).await?;
    for ddl in [sql::CREATE_ROUTES, sql::CREATE_CONTROL, sql::CREATE_MEMBERS] {
        conn.query_drop(ddl).await?;
    }
    conn.query_drop(sql::INIT_CONTROL).await?;
    let mut tx = conn.begin().await?;
    let control: Option<Control> = tx.exec_first(sql::LOCK_CONTROL, ()).await?;
    let version = control.map_or(0, |c| c.0);
    let mut routes = read_routes(&mut tx).await?;
    if routes.is_empty() {
        for (range, shard) in initial {
            tx.exec_drop(sql::INSERT_ROUTE, (range.start, range.end, *shard as u32))
                .await?;
        }
        routes = initial.clone();
    }
    tx.commit().await?;
    conn.committed();
    conn.done();
    check_routes(&routes, cluster.shard_count())?;
    Ok((routes, version))
}

pub(super) async fn read_routes(conn: &mut impl Queryable) -> Result<Routes, Error> {
    let rows: Vec<(u64, u64, u32)> = conn.exec(sql::READ_ROUTES, ()).await?;
    Ok(rows
        .into_iter()
        .map(|(first, end, shard)| (first..end, shard as usize))
        .collect())
}

pub(super) async fn read_followers(conn: &mut impl Queryable) -> Result<Vec<Follower>, Error> {
    let rows: Vec<(u64, String, i64, u64, u64)> = conn.exec(sql::READ_MEMBERS, ()).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, micros, held_epoch, routes_version)| Follower {
            id,
            name,
            silent_for: Duration::from_micros(micros.max(0) as u64),
            held_epoch,
            routes_version,
        })
        .collect())
}

/// Refuses routes with gaps, overlaps or a shard this process has no servers for.
pub(super) fn check_routes(routes: &Routes, shards: usize) -> Result<(), Error> {
    let mut expected = 0;
    for (index, (range, shard)) in routes.iter().enumerate() {
        if range.start != expected {
            return Err(TopologyError::NotContiguous {
                index,
                start: range.start,
                expected,
            }
            .into());
        }
        if *shard >= shards {
            return Err(TopologyError::SharedRoutes {
                start: range.start,
                shard: *shard,
                shards,
            }
            .into());
        }
        expected = range.end;
    }
    Ok(())
}

/// `routes` with `ids` routed to `to`, the ranges around it split.
pub(super) fn split(routes: &Routes, ids: &Range<u64>, to: usize) -> Routes {
    let mut next = Vec::with_capacity(routes.len() + 2);
    for (range, shard) in routes {
        if range.end <= ids.start || ids.end <= range.start {
            next.push((range.clone(), *shard));
            continue;
        }
        if range.start < ids.start {
            next.push((range.start..ids.start, *shard));
        }
        next.push((range.start.max(ids.start)..range.end.min(ids.end), to));
        if ids.end < range.end {
            next.push((ids.end..range.end, *shard));
        }
    }
    // Neighbours on the same shard become one range again.
    let mut merged: Routes = Vec::with_capacity(next.len());
    for (range, shard) in next {
        match merged.last_mut() {
            Some((last, last_shard)) if *last_shard == shard && last.end == range.start => {
                last.end = range.end;
            }
            _ => merged.push((range, shard)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_cuts_and_joins_ranges() {
        let routes = vec![(0..1000, 0), (1000..u64::MAX, 1)];
        let moved = split(&routes, &(200..400), 1);
        assert_eq!(
            moved,
            vec![
                (0..200, 0),
                (200..400, 1),
                (400..1000, 0),
                (1000..u64::MAX, 1)
            ]
        );
        // Again: the same routes.
        assert_eq!(split(&moved, &(200..400), 1), moved);
        // Back: one range again.
        assert_eq!(split(&moved, &(200..400), 0), routes);
        // The edge of a shard joins its neighbour.
        assert_eq!(
            split(&routes, &(900..1000), 1),
            vec![(0..900, 0), (900..u64::MAX, 1)]
        );
    }
}
