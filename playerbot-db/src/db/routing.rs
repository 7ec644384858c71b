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

use std::hash::{BuildHasher, Hasher};
use std::ops::Range;
use std::sync::{Mutex, Weak};
use std::time::Duration;

use mysql_async::prelude::Queryable;
use playerbot_db_sql::routing as sql;

use super::gate::Holder;
use super::own_conn::OwnConn;
use super::{Db, DbInner, MoveError, TopologyError};
use crate::Error;

/// The control row: version, held range's first id and end, hold number, mover's token.
type Control = (u64, Option<u64>, Option<u64>, u64, Option<u64>);

/// Routes: bot-id ranges in order, each to a shard.
pub(super) type Routes = Vec<(Range<u64>, usize)>;

/// This process's place in the shared map.
#[derive(Debug)]
pub(super) struct Member {
    pub(super) id: u64,
    pub(super) name: String,
    seen: Mutex<Seen>,
    /// Held for each round of following; set `left` waits for the one in flight.
    round: tokio::sync::Mutex<()>,
    /// The connection each round follows on, holding this process's lock (see
    /// `routing::TAKE_MEMBER_LOCK`) for as long as it works; a round that fails drops it, and
    /// the next takes the lock again on a new one. It is the process's own, outside the
    /// first shard's pool: it takes no place from the calls.
    conn: tokio::sync::Mutex<Option<mysql_async::Conn>>,
    /// Set once the process left the map: no more rounds, no more heartbeats.
    left: std::sync::atomic::AtomicBool,
}

/// What this process has taken in from the shared map.
#[derive(Debug, Default)]
struct Seen {
    /// The routes' version in force here.
    version: u64,
    /// The last hold whose writes this process stopped and flushed.
    held_epoch: u64,
    /// A hold of another process's move, taken here: its number and whether it is answered.
    remote: Option<(u64, bool)>,
    /// The token of this process's own move's hold, which the poll leaves alone.
    own: Option<u64>,
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

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
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

async fn read_routes(conn: &mut impl Queryable) -> Result<Routes, Error> {
    let rows: Vec<(u64, u64, u32)> = conn.exec(sql::READ_ROUTES, ()).await?;
    Ok(rows
        .into_iter()
        .map(|(first, end, shard)| (first..end, shard as usize))
        .collect())
}

async fn read_followers(conn: &mut impl Queryable) -> Result<Vec<Follower>, Error> {
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
fn check_routes(routes: &Routes, shards: usize) -> Result<(), Error> {
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

impl Db {
    /// Marks the routes loaded at build as the ones in force here.
    pub(super) fn routes_taken_in(&self, version: u64) {
        if let Some(member) = &self.inner.member {
            member.seen().version = version;
        }
    }

    /// One round of following the shared map: says this process is alive, takes in new
    /// routes, takes or lets go of another process's hold, and answers a hold once its
    /// writes are stopped and flushed.
    pub(super) async fn follow_once(&self) -> Result<(), Error> {
        let Some(member) = &self.inner.member else {
            return Ok(());
        };
        let _round = member.round.lock().await;
        if member.left.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(());
        }
        let mut slot = member.conn.lock().await;
        // Out of its slot for the round, back only once every reply is read: a round that
        // fails or is dropped half way drops the connection (it closes, and its lock goes
        // with it), never leaving it half read for the next round.
        let mut conn = match slot.take() {
            Some(conn) => conn,
            None => self.take_member_lock(member).await?,
        };
        say_alive(member, &mut conn).await?;
        let control: Option<Control> = conn.exec_first(sql::READ_CONTROL, ()).await?;
        let routes = match control {
            Some((version, ..)) if version != member.seen().version => {
                Some(read_routes(&mut conn).await?)
            }
            _ => None,
        };
        *slot = Some(conn);
        drop(slot);
        let Some((version, hold_first, hold_end, epoch, token)) = control else {
            return Ok(());
        };
        if let Some(routes) = routes {
            check_routes(&routes, self.shard_count())?;
            self.set_routes(routes);
            member.seen().version = version;
        }
        let hold = hold_first.zip(hold_end).map(|(first, end)| first..end);
        let (remote, own) = {
            let seen = member.seen();
            (seen.remote, seen.own)
        };
        // Another process's hold whose mover is gone will never be switched. (Asked only
        // while a range is held; an error counts as alive.)
        let dead_mover = match (&hold, token) {
            (Some(_), Some(token)) if own != Some(token) => {
                !self.hold_mover_alive().await.unwrap_or(true)
            }
            _ => false,
        };
        match (hold, remote) {
            // This process's own move: its guard holds and lets go here (a hold taken for
            // an earlier, dropped attempt of it is let go: the new one holds the range).
            (Some(_), _) if own.is_some() && own == token => {
                if let Some((taken, _)) = remote {
                    member.seen().remote = None;
                    self.release_hold(Holder::Follower(taken));
                }
            }
            (Some(_), _) if dead_mover => {
                if let Some((taken, _)) = remote {
                    member.seen().remote = None;
                    self.release_hold(Holder::Follower(taken));
                }
                if let Some(token) = token {
                    self.abandon_dead_move(token).await?;
                }
            }
            (Some(range), Some((taken, answered))) if taken == epoch => {
                if !answered {
                    self.answer_hold(member, &range, epoch).await?;
                }
            }
            (Some(range), _) => {
                if let Some((taken, _)) = remote {
                    self.release_hold(Holder::Follower(taken));
                    member.seen().remote = None;
                }
                self.hold_local(Holder::Follower(epoch), range.clone())
                    .await?;
                member.seen().remote = Some((epoch, false));
                self.answer_hold(member, &range, epoch).await?;
            }
            (None, Some((taken, _))) => {
                member.seen().remote = None;
                self.release_hold(Holder::Follower(taken));
            }
            (None, None) => {}
        }
        Ok(())
    }

    /// Flushes the source's queued writes to the held range, then says so.
    async fn answer_hold(
        &self,
        member: &Member,
        range: &Range<u64>,
        epoch: u64,
    ) -> Result<(), Error> {
        self.server(self.shard_of_id(range.start)).flush().await?;
        {
            let mut seen = member.seen();
            seen.held_epoch = epoch;
            seen.remote = Some((epoch, true));
        }
        self.heartbeat(member).await
    }

    async fn heartbeat(&self, member: &Member) -> Result<(), Error> {
        let mut conn = OwnConn::on(self.server(0)).await?;
        say_alive(member, &mut conn).await?;
        conn.done();
        Ok(())
    }

    /// Holds `ids` in the shared map for this process's move under `token`; returns the
    /// hold's number, or `None` when the cluster has one shard (no other process can route
    /// there). The caller lets go of it by the token, which it knows before anything is sent.
    pub(super) async fn hold_shared(
        &self,
        ids: &Range<u64>,
        token: u64,
    ) -> Result<Option<u64>, Error> {
        let Some(member) = &self.inner.member else {
            return Ok(None);
        };
        // A hold of the same range is taken over only from a mover that stopped.
        self.refuse_if_mover_alive(ids).await?;
        member.seen().own = Some(token);
        let mut conn = OwnConn::on(self.server(0)).await?;
        conn.exec_drop(
            sql::HOLD,
            (ids.start, ids.end, token, member.id, ids.start, ids.end),
        )
        .await?;
        let control: Option<Control> = conn.exec_first(sql::READ_CONTROL, ()).await?;
        match control {
            Some((_, _, _, epoch, Some(held_by))) if held_by == token => Ok(Some(epoch)),
            Some((_, Some(start), Some(end), _, _)) => Err(MoveError::Busy { start, end }.into()),
            _ => Err(MoveError::Busy { start: 0, end: 0 }.into()),
        }
    }

    /// Forgets that hold `token` is this process's own (it is being let go of).
    pub(super) fn disown(&self, token: u64) {
        if let Some(member) = &self.inner.member {
            let mut seen = member.seen();
            if seen.own == Some(token) {
                seen.own = None;
            }
        }
    }

    /// Lets go of the shared hold taken with `token` (no-op once a switch let go of it).
    pub(super) async fn release_shared(&self, token: u64) -> Result<(), Error> {
        let mut conn = OwnConn::on(self.server(0)).await?;
        conn.exec_drop(sql::RELEASE, (token,)).await?;
        Ok(())
    }

    /// Refuses with [`MoveError::StillMoving`] when a move whose mover is alive holds
    /// `ids`: neither a rollback nor a second move may cut into it.
    pub(super) async fn refuse_if_mover_alive(&self, ids: &Range<u64>) -> Result<(), Error> {
        if self.inner.member.is_none() {
            return Ok(());
        }
        let mut conn = OwnConn::on(self.server(0)).await?;
        let holder: Option<(u64, String, i64)> = conn
            .exec_first(sql::READ_HOLDER, (ids.start, ids.end))
            .await?;
        conn.done();
        if holder.is_some() && self.hold_mover_alive().await? {
            let name = holder.map_or_else(String::new, |(_, name, _)| name);
            return Err(MoveError::StillMoving { name }.into());
        }
        Ok(())
    }

    /// Whether the move with `token` still runs: it holds its range, and its mover is alive.
    pub(super) async fn move_running(&self, token: u64) -> Result<bool, Error> {
        let mut conn = OwnConn::on(self.server(0)).await?;
        let control: Option<Control> = conn.exec_first(sql::READ_CONTROL, ()).await?;
        conn.done();
        if control.and_then(|c| c.4) != Some(token) {
            return Ok(false);
        }
        self.hold_mover_alive().await
    }

    /// Whether the move `token` still runs after waiting out a mover that is dying: one whose
    /// process lock is free (its process died, or its connection to the first shard) but
    /// that is not yet silent for `silent_after`. A mover whose lock is held is not waited
    /// for. So a rerun takes a dead mover's move over a few seconds after its death.
    pub(super) async fn still_running_after_dying(&self, token: u64) -> Result<bool, Error> {
        let deadline = tokio::time::Instant::now()
            + self.inner.policy.silent_after
            + self.inner.policy.route_poll * 10;
        loop {
            if !self.move_running(token).await? {
                return Ok(false);
            }
            let mut conn = OwnConn::on(self.server(0)).await?;
            let holder: Option<(u64, Option<i64>)> =
                conn.exec_first(sql::READ_HOLD_MEMBER, ()).await?;
            let free: Option<Option<i64>> = match holder {
                Some((id, _)) => conn.exec_first(sql::MEMBER_LOCK_FREE, (id,)).await?,
                None => None,
            };
            conn.done();
            if free.flatten() != Some(1) || tokio::time::Instant::now() >= deadline {
                return Ok(true);
            }
            tokio::time::sleep(self.inner.policy.route_poll).await;
        }
    }

    /// Whether the process whose move holds a range is alive (`true` when nothing is held
    /// by another process): see [`Db::member_gone`].
    async fn hold_mover_alive(&self) -> Result<bool, Error> {
        let Some(member) = &self.inner.member else {
            return Ok(true);
        };
        let mut conn = OwnConn::on(self.server(0)).await?;
        let holder: Option<(u64, Option<i64>)> = conn.exec_first(sql::READ_HOLD_MEMBER, ()).await?;
        conn.done();
        match holder {
            Some((id, _)) if id == member.id => Ok(true),
            Some((id, micros)) => {
                let silent = micros.map(|m| Duration::from_micros(m.max(0) as u64));
                Ok(!self.member_gone(id, silent).await?)
            }
            None => Ok(true),
        }
    }

    /// Whether process `id`, last heard from `silent` ago (`None`: no longer listed), is
    /// gone: silent for `silent_after` at least and its process lock free. A stalled process
    /// keeps its connection and so its lock; a dead one loses both at once, and a restart of
    /// the first shard frees every lock but silences no live process for long.
    async fn member_gone(&self, id: u64, silent: Option<Duration>) -> Result<bool, Error> {
        if silent.is_some_and(|silent| silent < self.inner.policy.silent_after) {
            return Ok(false);
        }
        let mut conn = OwnConn::on(self.server(0)).await?;
        let free: Option<Option<i64>> = conn.exec_first(sql::MEMBER_LOCK_FREE, (id,)).await?;
        conn.done();
        Ok(free.flatten() == Some(1))
    }

    /// This process's lock, on the connection it will follow on.
    async fn take_member_lock(&self, member: &Member) -> Result<mysql_async::Conn, Error> {
        let mut conn = self.server(0).pool().unpooled().await?;
        let got: Option<Option<i64>> = conn.exec_first(sql::TAKE_MEMBER_LOCK, (member.id,)).await?;
        if got.flatten() != Some(1) {
            // Another connection of ours still holds it (one being cleaned): next round.
            return Err(MoveError::NoAnswer {
                name: member.name.clone(),
                what: "take its process lock",
            }
            .into());
        }
        Ok(conn)
    }

    /// The shared routes' version now.
    pub(super) async fn routes_version(&self) -> Result<Option<u64>, Error> {
        if self.inner.member.is_none() {
            return Ok(None);
        }
        let mut conn = OwnConn::on(self.server(0)).await?;
        let control: Option<Control> = conn.exec_first(sql::READ_CONTROL, ()).await?;
        conn.done();
        Ok(Some(control.map_or(0, |c| c.0)))
    }

    /// Reads the shared routes and routes by them here.
    pub(super) async fn take_in_routes(&self) -> Result<(), Error> {
        let Some(member) = &self.inner.member else {
            return Ok(());
        };
        let mut conn = OwnConn::on(self.server(0)).await?;
        let control: Option<Control> = conn.exec_first(sql::READ_CONTROL, ()).await?;
        let routes = read_routes(&mut *conn).await?;
        conn.done();
        check_routes(&routes, self.shard_count())?;
        self.set_routes(routes);
        member.seen().version = control.map_or(0, |c| c.0);
        Ok(())
    }

    /// What this process calls itself in the shared map and the move journal.
    pub(super) fn mover_name(&self) -> String {
        self.inner.member.as_ref().map_or_else(
            || format!("pid {}", std::process::id()),
            |member| member.name.clone(),
        )
    }

    /// Lets go of the hold of a move whose mover died before its switch (its lock is free),
    /// in the shared map and the journal: its writes go on to the source, and the next move
    /// deletes its copy. The switch checks the hold in the same transaction, so a mover
    /// taken for dead wrongly cannot switch after this.
    async fn abandon_dead_move(&self, token: u64) -> Result<(), Error> {
        let mut conn = OwnConn::on(self.server(0)).await?;
        conn.exec_drop(sql::RELEASE, (token,)).await?;
        conn.exec_drop(
            playerbot_db_sql::moving::SET_STATE,
            (super::moving::ABANDONED, token, super::moving::COPYING),
        )
        .await?;
        conn.done();
        Ok(())
    }

    /// Lets go of a shared hold of exactly `ids`, whoever took it.
    pub(super) async fn release_shared_range(&self, ids: &Range<u64>) -> Result<(), Error> {
        if self.inner.member.is_none() {
            return Ok(());
        }
        let mut conn = OwnConn::on(self.server(0)).await?;
        conn.exec_drop(sql::RELEASE_RANGE, (ids.start, ids.end))
            .await?;
        Ok(())
    }

    /// Waits until every other live process has stopped its writes to hold `epoch`
    /// (`held_epoch`) or taken in routes `version` — whichever `done` checks — at most
    /// `move_wait`. A process heard from within `forget_after` but not within `silent_after`
    /// refuses the move: it may still be writing on routes it cannot update.
    pub(super) async fn wait_for_peers(
        &self,
        what: &'static str,
        done: impl Fn(u64, u64) -> bool,
    ) -> Result<(), Error> {
        let Some(member) = &self.inner.member else {
            return Ok(());
        };
        let policy = self.inner.policy;
        let deadline = tokio::time::Instant::now() + policy.move_wait;
        loop {
            let mut conn = OwnConn::on(self.server(0)).await?;
            conn.exec_drop(sql::FORGET_SILENT, (policy.forget_after.as_secs().max(1),))
                .await?;
            let peers = read_followers(&mut *conn).await?;
            conn.done();
            let mut waiting = None;
            for peer in peers.into_iter().filter(|peer| peer.id != member.id) {
                if peer.silent_for >= policy.silent_after {
                    // A dead process (its lock free) is forgotten at once; a stalled one
                    // may still write on routes it cannot update.
                    if self.member_gone(peer.id, Some(peer.silent_for)).await? {
                        let mut conn = OwnConn::on(self.server(0)).await?;
                        conn.exec_drop(sql::LEAVE, (peer.id,)).await?;
                        conn.done();
                        continue;
                    }
                    return Err(MoveError::SilentProcess {
                        name: peer.name,
                        silent_for: peer.silent_for,
                    }
                    .into());
                }
                if !done(peer.held_epoch, peer.routes_version) {
                    waiting = Some(peer.name);
                }
            }
            let Some(name) = waiting else {
                return Ok(());
            };
            if tokio::time::Instant::now() >= deadline {
                return Err(MoveError::NoAnswer { name, what }.into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Switches the move `token` of `ids` to `to` in one transaction on the first shard: its
    /// journal entry says switched, the routes send `ids` to `to`, the hold is let go of.
    /// Refused with [`MoveError::HoldLost`] (nothing changed) when the move no longer holds
    /// the range or its entry is not copying. Returns the new routes and their version.
    pub(super) async fn switch_shared(
        &self,
        ids: &Range<u64>,
        to: usize,
        token: u64,
    ) -> Result<Option<(Routes, u64)>, Error> {
        let Some(member) = &self.inner.member else {
            return Ok(None);
        };
        let lost = || -> Error {
            MoveError::HoldLost {
                start: ids.start,
                end: ids.end,
            }
            .into()
        };
        let mut conn = OwnConn::on(self.server(0)).await?;
        let mut tx = conn.begin().await?;
        let control: Option<Control> = tx.exec_first(sql::LOCK_CONTROL, ()).await?;
        if control.and_then(|c| c.4) != Some(token) {
            tx.rollback().await?;
            conn.committed();
            conn.done();
            return Err(lost());
        }
        tx.exec_drop(
            playerbot_db_sql::moving::SET_STATE,
            (super::moving::SWITCHED, token, super::moving::COPYING),
        )
        .await?;
        if tx.affected_rows() != 1 {
            tx.rollback().await?;
            conn.committed();
            conn.done();
            return Err(lost());
        }
        let version = control.map_or(0, |c| c.0) + 1;
        let routes = split(&read_routes(&mut tx).await?, ids, to);
        tx.query_drop(sql::CLEAR_ROUTES).await?;
        for (range, shard) in &routes {
            tx.exec_drop(sql::INSERT_ROUTE, (range.start, range.end, *shard as u32))
                .await?;
        }
        tx.exec_drop(sql::NEXT_VERSION, (token,)).await?;
        tx.commit().await?;
        conn.committed();
        conn.done();
        let mut seen = member.seen();
        seen.version = version;
        seen.own = None;
        Ok(Some((routes, version)))
    }

    /// The shard map shared on the first shard, with every process following it; `None`
    /// with one shard (nothing is shared then).
    pub async fn shared_map(&self) -> Result<Option<SharedMap>, Error> {
        if self.inner.member.is_none() {
            return Ok(None);
        }
        let mut conn = OwnConn::on(self.server(0)).await?;
        let control: Option<Control> = conn.exec_first(sql::READ_CONTROL, ()).await?;
        let (version, first, end, epoch, _) = control.unwrap_or((0, None, None, 0, None));
        Ok(Some(SharedMap {
            routes: read_routes(&mut *conn).await?,
            version,
            held: first.zip(end).map(|(first, end)| (first..end, epoch)),
            followers: read_followers(&mut *conn).await?,
        }))
    }

    /// Says this process leaves the shared map (at close).
    pub(super) async fn leave(&self) {
        if let Some(member) = &self.inner.member {
            member
                .left
                .store(true, std::sync::atomic::Ordering::Release);
            // A round in flight could say the process is alive after it left.
            let _round = member.round.lock().await;
            if let Ok(mut conn) = OwnConn::on(self.server(0)).await {
                let _ = conn.exec_drop(sql::LEAVE, (member.id,)).await;
            }
            if let Some(mut conn) = member.conn.lock().await.take() {
                // Bounded: a first shard that stopped answering frees the lock itself once
                // the connection is gone.
                let limit = self.server(0).config().connect_timeout;
                let _ = tokio::time::timeout(limit, async {
                    let _: Result<Option<Option<i64>>, _> = conn
                        .exec_first(sql::RELEASE_MEMBER_LOCK, (member.id,))
                        .await;
                    conn.disconnect().await
                })
                .await;
            }
        }
    }
}

/// Says on `conn` that this process is alive and what it has taken in.
async fn say_alive(member: &Member, conn: &mut mysql_async::Conn) -> Result<(), Error> {
    let (held, version) = {
        let seen = member.seen();
        (seen.held_epoch, seen.version)
    };
    let params = (
        member.id,
        member.name.as_str(),
        held,
        version,
        held,
        version,
    );
    conn.exec_drop(sql::HEARTBEAT, params).await?;
    Ok(())
}

/// Follows the shared map every `route_poll` while the cluster lives.
pub(super) async fn follow(inner: Weak<DbInner>) {
    let mut failing = false;
    loop {
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let every = inner.policy.route_poll;
        if inner
            .member
            .as_ref()
            .is_none_or(|member| member.left.load(std::sync::atomic::Ordering::Acquire))
        {
            return;
        }
        let cluster = Db { inner };
        match cluster.follow_once().await {
            Ok(()) => failing = false,
            Err(err) if !failing => {
                failing = true;
                tracing::warn!("following the shared shard map on shard 0 failed: {err}");
            }
            Err(_) => {}
        }
        drop(cluster);
        tokio::time::sleep(every).await;
    }
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
