//! Deferred writes: accepted at once, written by the flusher (see `behind`), through a
//! [`Sink`] onto this server's bulk path.

use std::sync::Weak;

use super::validate;
use crate::behind::{BoxFuture, Op, Sink, WriteBehindStats};
use crate::server::Server;
use crate::server::ServerInner;
use crate::{BotEntity, Error};

impl Server {
    /// What `save_deferred` refuses before anything is queued: invalid values, a new row
    /// of an `auto_increment` entity (its id is the server's to give).
    pub(crate) fn check_deferred<E: BotEntity>(&self, entity: &E) -> Result<(), Error> {
        let plan = self.registry().keyed_plan::<E>("save_deferred")?;
        let params = entity.to_params();
        let key = || format!("{:?}", entity.key());
        validate::check_row(E::META, plan.live().as_deref(), &params, key)?;
        if E::META.is_new_row(&params) {
            return Err(Error::NoIdYet {
                entity: E::META.entity,
            });
        }
        Ok(())
    }

    /// Queues a write accepted elsewhere (a cluster's, parked while its range was held),
    /// past the queue's bound if need be: it was accepted already, so it is not refused now.
    pub(crate) fn defer_taken<E: BotEntity + Clone>(&self, key: E::Key, op: Op<E>) {
        self.behind().defer_accepted(key, op, || self.sink());
    }

    /// Queues `op` for `key`, as the queue's bound and `WhenFull` allow.
    pub(crate) async fn defer<E: BotEntity + Clone>(
        &self,
        key: E::Key,
        op: Op<E>,
    ) -> Result<(), Error> {
        if self.pool().is_closed() {
            return Err(Error::Closed);
        }
        self.registry().plan::<E>()?;
        self.behind().defer(key, op, || self.sink()).await
    }

    /// Where `E`'s queue writes: this server's bulk path, through a handle that does not keep
    /// the pool open.
    fn sink<E: BotEntity + Clone>(&self) -> Box<dyn Sink<E>> {
        Box::new(BulkSink(self.downgrade()))
    }

    /// Returns when every deferred write accepted before the call is in the server. While
    /// the server is away it keeps waiting (the flusher retries): bound it with a timeout.
    pub(crate) async fn flush(&self) -> Result<(), Error> {
        self.behind().flush().await
    }

    /// Drains the write-behind queue (as [`flush`](Self::flush)) and stops the flusher.
    pub(crate) async fn shutdown(&self) -> Result<(), Error> {
        self.behind().shutdown().await
    }

    /// The write-behind queue's depth and what it has done.
    pub(crate) fn write_behind_stats(&self) -> WriteBehindStats {
        self.behind().stats()
    }
}

/// Saves a flush's part in transactions the server accepts: a Galera node bounds the rows
/// (`wsrep_max_ws_rows`) and bytes (`wsrep_max_ws_size`) of one, so the part goes in slices
/// of at most that many rows, and a slice whose write set would be too large in halves,
/// one after another. A failure leaves the part queued whole; writing its saved slices
/// again changes nothing.
async fn save_within_write_sets<E: BotEntity>(db: &Server, part: &[E]) -> Result<(), Error> {
    let bound = db.pool().ws_rows.load(std::sync::atomic::Ordering::Relaxed);
    let rows = if bound == 0 { part.len() } else { bound };
    let mut slices: Vec<&[E]> = part.chunks(rows.max(1)).rev().collect();
    while let Some(slice) = slices.pop() {
        match db.bulk::<E>().for_flusher().save(slice).await {
            Ok(_) => {}
            Err(err) if err.is_write_set_too_large() && slice.len() > 1 => {
                let (first, second) = slice.split_at(slice.len() / 2);
                slices.push(second);
                slices.push(first);
            }
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// The bulk path of the server a queue belongs to.
struct BulkSink(Weak<ServerInner>);

impl<E: BotEntity> Sink<E> for BulkSink {
    fn parts(&self, rows: Vec<E>, connections: usize) -> Vec<Vec<E>> {
        let exact = Server::upgrade(&self.0).is_some_and(|db| {
            db.registry()
                .plan::<E>()
                .is_ok_and(|plan| plan.exact_keys())
        });
        // Keys the server compares loosely could meet in two parts: one connection then.
        super::ordered_parts(rows, if exact { connections } else { 1 })
    }

    fn save_part(&self, part: Vec<E>) -> BoxFuture<'static, (Vec<E>, Result<(), Error>)> {
        let db = Server::upgrade(&self.0);
        Box::pin(async move {
            let saved = match db {
                Some(db) => save_within_write_sets(&db, &part).await,
                None => Err(Error::Closed),
            };
            (part, saved)
        })
    }

    fn delete<'a>(&'a self, key: &'a E::Key) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let db = Server::upgrade(&self.0).ok_or(Error::Closed)?;
            db.delete_from_queue::<E>(key).await.map(drop)
        })
    }
}
