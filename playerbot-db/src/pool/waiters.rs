//! Checkouts that found nothing free, served strictly in the order they started waiting.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::{Place, PoolInner, ServerConn};

/// What a waiting checkout is handed: a connection someone returned, or a place under the
/// bound that a closed connection left, in which it opens a connection of its own.
#[derive(Debug)]
pub(super) enum Handoff {
    Conn(ServerConn),
    Place(Place),
}

/// The queue of waiting checkouts. `len` mirrors the queue so that a return can tell
/// without a lock that nobody waits (the common case).
#[derive(Debug, Default)]
pub(super) struct Waiters {
    queue: Mutex<VecDeque<oneshot::Sender<Handoff>>>,
    len: AtomicUsize,
}

impl Waiters {
    /// Whether a checkout may be waiting. SeqCst: see `PoolInner::store`.
    pub(super) fn any(&self) -> bool {
        self.len.load(Ordering::SeqCst) > 0
    }

    /// Joins the back of the queue.
    pub(super) fn join(&self, pool: &Arc<PoolInner>) -> Ticket {
        let (sender, receiver) = oneshot::channel();
        let mut queue = self.queue.lock().expect("waiters lock");
        // Waiters that gave up leave their senders behind; they would keep `any` true.
        queue.retain(|sender| !sender.is_closed());
        queue.push_back(sender);
        self.len.store(queue.len(), Ordering::SeqCst);
        Ticket {
            receiver,
            pool: pool.clone(),
        }
    }

    /// Hands `item` to the oldest checkout still waiting; gives it back when there is none.
    pub(super) fn hand_off(&self, mut item: Handoff) -> Option<Handoff> {
        loop {
            let sender = {
                let mut queue = self.queue.lock().expect("waiters lock");
                let sender = queue.pop_front();
                self.len.store(queue.len(), Ordering::SeqCst);
                sender?
            };
            // A waiter that gave up (timed out, cancelled) left its sender behind: skip it.
            match sender.send(item) {
                Ok(()) => return None,
                Err(returned) => item = returned,
            }
        }
    }

    /// Wakes every waiter with nothing (the pool is closing).
    pub(super) fn clear(&self) {
        let mut queue = self.queue.lock().expect("waiters lock");
        queue.clear();
        self.len.store(0, Ordering::SeqCst);
    }
}

/// A place in the queue. Dropped without having taken what it was handed (a timeout, a
/// cancelled checkout), it passes that on, so nothing handed to a waiter that left is lost.
#[derive(Debug)]
pub(super) struct Ticket {
    pub(super) receiver: oneshot::Receiver<Handoff>,
    pool: Arc<PoolInner>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.receiver.close();
        match self.receiver.try_recv() {
            Ok(Handoff::Conn(conn)) => self.pool.store(conn),
            Ok(Handoff::Place(place)) => drop(place),
            Err(_) => {}
        }
    }
}
