//! A process following the shared shard map: each round says it is alive, takes in new
//! routes, and takes, answers or lets go of another process's hold (see `routing.rs`).

use std::ops::Range;
use std::sync::Weak;

use mysql_async::prelude::Queryable;
use playerbot_db_sql::routing as sql;

use super::gate::Holder;
use super::own_conn::OwnConn;
use super::routing::{check_routes, read_followers, read_routes, Control, Member, SharedMap};
use super::{Db, DbInner, MoveError};
use crate::Error;

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
    pub(super) async fn answer_hold(
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

    pub(super) async fn heartbeat(&self, member: &Member) -> Result<(), Error> {
        let mut conn = OwnConn::on(self.server(0)).await?;
        say_alive(member, &mut conn).await?;
        conn.done();
        Ok(())
    }

    /// This process's lock, on the connection it will follow on.
    pub(super) async fn take_member_lock(
        &self,
        member: &Member,
    ) -> Result<mysql_async::Conn, Error> {
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
