//! The move journal on the first shard: one entry per move, under its token, from
//! `copying` through `switched` to `done` (or `rolled_back`, `abandoned`).

use std::ops::Range;

use mysql_async::prelude::Queryable;
use playerbot_db_sql::moving;

use super::moving::{MoveState, OpenMove, ABANDONED, COPYING, ROLLED_BACK};
use super::own_conn::OwnConn;
use crate::server::Server;
use crate::Error;

pub(super) async fn journal_ready(home: &Server) -> Result<(), Error> {
    let mut conn = OwnConn::on(home).await?;
    conn.query_drop(moving::CREATE_JOURNAL).await?;
    conn.done();
    Ok(())
}

pub(super) async fn open_moves(home: &Server) -> Result<Vec<OpenMove>, Error> {
    let mut conn = OwnConn::on(home).await?;
    let rows: Vec<(u64, u64, u64, u32, u32, String, String)> =
        conn.exec(moving::OPEN_MOVES, ()).await?;
    conn.done();
    Ok(rows
        .into_iter()
        .filter_map(|(token, first, end, from, to, state, mover)| {
            Some(OpenMove {
                token,
                ids: first..end,
                from: from as usize,
                to: to as usize,
                state: MoveState::from_name(&state)?,
                mover,
            })
        })
        .collect())
}

/// Marks a move stopped before its switch as rolled back, from whichever of the two states it
/// is in now (a process that found its mover dead may have marked it abandoned meanwhile).
pub(super) async fn roll_back_entry(home: &Server, token: u64) -> Result<(), Error> {
    for state in [COPYING, ABANDONED] {
        set_state(home, token, state, ROLLED_BACK).await?;
    }
    Ok(())
}

/// Whether a finished move took `ids` to `to`.
pub(super) async fn moved_before(
    home: &Server,
    ids: &Range<u64>,
    to: usize,
) -> Result<bool, Error> {
    let mut conn = OwnConn::on(home).await?;
    let done: Option<u64> = conn
        .exec_first(moving::DONE_MOVES, (ids.start, ids.end, to as u32))
        .await?;
    conn.done();
    Ok(done.unwrap_or(0) > 0)
}

pub(super) async fn start_move(
    home: &Server,
    token: u64,
    ids: &Range<u64>,
    from: usize,
    to: usize,
    mover: &str,
) -> Result<(), Error> {
    let mut conn = OwnConn::on(home).await?;
    conn.exec_drop(
        moving::START_MOVE,
        (token, ids.start, ids.end, from as u32, to as u32, mover),
    )
    .await?;
    conn.done();
    Ok(())
}

/// Moves the journal entry `token` from state `from` to `to` (no change when it is in
/// another state).
pub(super) async fn set_state(
    home: &Server,
    token: u64,
    from: &str,
    to: &str,
) -> Result<(), Error> {
    let mut conn = OwnConn::on(home).await?;
    conn.exec_drop(moving::SET_STATE, (to, token, from)).await?;
    conn.done();
    Ok(())
}
