//! A move's hold in the shared shard map: taking it, waiting for every process to answer,
//! letting go of it, knowing whether its mover is alive, and the switch.

use std::ops::Range;
use std::time::Duration;

use mysql_async::prelude::Queryable;
use playerbot_db_sql::routing as sql;

use super::own_conn::OwnConn;
use super::routing::{read_followers, read_routes, split, Control, Routes};
use super::{Db, MoveError};
use crate::Error;

impl Db {
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
    pub(super) async fn hold_mover_alive(&self) -> Result<bool, Error> {
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
    pub(super) async fn member_gone(
        &self,
        id: u64,
        silent: Option<Duration>,
    ) -> Result<bool, Error> {
        if silent.is_some_and(|silent| silent < self.inner.policy.silent_after) {
            return Ok(false);
        }
        let mut conn = OwnConn::on(self.server(0)).await?;
        let free: Option<Option<i64>> = conn.exec_first(sql::MEMBER_LOCK_FREE, (id,)).await?;
        conn.done();
        Ok(free.flatten() == Some(1))
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
    pub(super) async fn abandon_dead_move(&self, token: u64) -> Result<(), Error> {
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
}
