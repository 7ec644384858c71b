//! One entity type's queue with the sink its rows are written to, and one flush round of it.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use super::queue::{Queue, Taken};
use crate::{BotEntity, Error};

/// A boxed future the write-behind layer runs without knowing what it does.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a queue's rows go: given by the layer that makes the queue (the repository's bulk
/// path), so the write-behind layer knows nothing of statements or connections.
pub(crate) trait Sink<E: BotEntity>: Send + Sync + 'static {
    /// `rows` cut into the parts one round writes side by side (one part when the server
    /// compares `E`'s keys loosely, so two spellings of a key never meet in two parts).
    fn parts(&self, rows: Vec<E>, connections: usize) -> Vec<Vec<E>>;

    /// Saves one part in a transaction of its own; the future owns what it needs, so a
    /// round can spawn it.
    fn save_part(&self, part: Vec<E>) -> BoxFuture<'static, (Vec<E>, Result<(), Error>)>;

    /// Deletes one key.
    fn delete<'a>(&'a self, key: &'a E::Key) -> BoxFuture<'a, Result<(), Error>>;
}

/// A queue of some entity type, as the write-behind keeps it.
pub(crate) trait AnyQueue: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    /// Writes everything pending now; `Ok(rows)` when all of it landed.
    fn flush_round(&self, connections: usize) -> BoxFuture<'_, Result<usize, Error>>;
    fn min_seq(&self) -> Option<u64>;
    fn depth(&self) -> (usize, Option<Instant>);
    fn has_pending(&self) -> bool;
    /// [`Queue::supersede`] with the key as `Any` (a transaction batch's ops are untyped);
    /// a key of another type supersedes nothing.
    fn supersede_any<'a>(&'a self, key: &'a (dyn Any + Send + Sync), seq: u64)
        -> BoxFuture<'a, ()>;
}

impl std::fmt::Debug for dyn AnyQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Queue({} rows)", self.depth().0)
    }
}

/// `E`'s queue and its sink.
pub(crate) struct Entry<E: BotEntity> {
    pub(crate) queue: Queue<E>,
    pub(crate) sink: Box<dyn Sink<E>>,
}

impl<E: BotEntity> AnyQueue for Entry<E> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn flush_round(&self, connections: usize) -> BoxFuture<'_, Result<usize, Error>> {
        Box::pin(flush_round(self, connections))
    }

    fn min_seq(&self) -> Option<u64> {
        self.queue.min_seq()
    }

    fn depth(&self) -> (usize, Option<Instant>) {
        self.queue.depth()
    }

    fn has_pending(&self) -> bool {
        self.queue.has_pending()
    }

    fn supersede_any<'a>(
        &'a self,
        key: &'a (dyn Any + Send + Sync),
        seq: u64,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Some(key) = key.downcast_ref::<E::Key>() {
                self.queue.supersede(key, seq).await;
            }
        })
    }
}

/// Puts every row of a round that is still in flight back to pending when the round ends:
/// rows not tried after a failure, and all of them when the round is dropped half way (its
/// runtime shutting down). Rows already settled are not in flight, so they are left as they
/// are.
struct SettleOnDrop<'a, E: BotEntity> {
    queue: &'a Queue<E>,
    taken: &'a [Taken<E>],
}

impl<E: BotEntity> Drop for SettleOnDrop<'_, E> {
    fn drop(&mut self) {
        self.queue
            .settle(self.taken.iter().map(|taken| &taken.key), false);
    }
}

/// One round for one queue: the saves, in parts written side by side (each part one
/// transaction), then the deletes. Rows whose write failed go back to pending.
async fn flush_round<E: BotEntity>(entry: &Entry<E>, connections: usize) -> Result<usize, Error> {
    let queue = &entry.queue;
    let mut taken = queue.take();
    if taken.is_empty() {
        return Ok(0);
    }
    let deletes: Vec<E::Key> = taken
        .iter()
        .filter(|taken| taken.row.is_none())
        .map(|taken| taken.key.clone())
        .collect();
    let rows: Vec<E> = taken
        .iter_mut()
        .filter_map(|taken| taken.row.take())
        .collect();
    let _unsettled_back = SettleOnDrop {
        queue,
        taken: &taken,
    };
    let written = rows.len();
    let mut failure = None;
    if !rows.is_empty() {
        let parts = entry.sink.parts(rows, connections);
        let running: Vec<_> = parts
            .into_iter()
            .map(|part| tokio::spawn(entry.sink.save_part(part)))
            .collect();
        for task in running {
            match task.await {
                Ok((part, saved)) => {
                    let keys: Vec<E::Key> = part.iter().map(BotEntity::key).collect();
                    queue.settle(keys.iter(), saved.is_ok());
                    if let Err(err) = saved {
                        failure = Some(err);
                    }
                }
                // A part's task died (its runtime is going away): its rows stay in flight
                // until the guard above puts them back.
                Err(_) => failure = Some(Error::Closed),
            }
        }
    }
    let mut deleted = 0;
    for key in &deletes {
        let outcome = entry.sink.delete(key).await;
        queue.settle(std::iter::once(key), outcome.is_ok());
        match outcome {
            Ok(()) => deleted += 1,
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    match failure {
        Some(err) => Err(err),
        None => Ok(written + deleted),
    }
}
