//! Group commit for point loads, single-row saves and lookups: while one statement of a group is at the server, further
//! callers of the group join the next one instead of taking connections of their own, and
//! when the running one is done the first of them runs one statement for them all. A caller
//! that finds nothing running goes at once: nobody waits on a timer.
//!
//! This module only keeps the turn; what a statement is, is the caller's. Every future here
//! may be dropped at any await. The turn is held by a value ([`Running`] or a [`Batch`]) whose
//! drop passes it on, whether its holder finished or was cancelled; a waiter dropped before
//! its answer only loses that answer, and one handed a batch it never read passes the batch's
//! callers on by the same drop.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// Calls served by statements they joined (see `DbBuilder::coalesce`); calls that ran
/// their own statement count in none of these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoalesceStats {
    /// Point loads answered by a statement they joined (its runner among them).
    pub loads: u64,
    /// The statements that answered them.
    pub load_statements: u64,
    /// Single-row saves committed by a joined bulk save (one transaction each).
    pub saves: u64,
    /// Those bulk saves.
    pub save_statements: u64,
    /// Lookups (`load_by` of one integer column, such as a bot's events) answered by a
    /// statement they joined.
    pub lookups: u64,
    /// The statements that answered them.
    pub lookup_statements: u64,
}

impl CoalesceStats {
    /// Publishes the snapshot through the `metrics` facade: calls served by joined
    /// statements (`playerbot_db_coalesced_calls_total`) and those statements
    /// (`playerbot_db_coalesced_statements_total`), labelled `kind` = load, save or lookup.
    pub fn export_metrics_with(&self, labels: &[(&'static str, String)]) {
        for (kind, calls, statements) in [
            ("load", self.loads, self.load_statements),
            ("save", self.saves, self.save_statements),
            ("lookup", self.lookups, self.lookup_statements),
        ] {
            let mut labels = labels.to_vec();
            labels.push(("kind", kind.to_owned()));
            let labels = &labels;
            metrics::counter!("playerbot_db_coalesced_calls_total", labels).absolute(calls);
            metrics::counter!("playerbot_db_coalesced_statements_total", labels)
                .absolute(statements);
        }
    }

    pub(crate) fn add(self, other: CoalesceStats) -> CoalesceStats {
        CoalesceStats {
            loads: self.loads + other.loads,
            load_statements: self.load_statements + other.load_statements,
            saves: self.saves + other.saves,
            save_statements: self.save_statements + other.save_statements,
            lookups: self.lookups + other.lookups,
            lookup_statements: self.lookup_statements + other.lookup_statements,
        }
    }
}

/// A gate of any key and value type, as the registry keeps it.
pub(crate) trait AnyGate: Send + Sync + std::fmt::Debug {
    fn as_any(&self) -> &dyn std::any::Any;
    /// (calls served by joined statements, those statements).
    fn joined(&self) -> (u64, u64);
}

impl<K: Send + 'static, V: Send + 'static> AnyGate for Gate<K, V> {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn joined(&self) -> (u64, u64) {
        Gate::joined(self)
    }
}

/// What a caller that joined the next statement is told.
pub(crate) enum Answer<K, V> {
    /// That statement ran: the value for the caller's key (`None`: no row).
    Found(Option<V>),
    /// It failed: run your own (its error is then yours).
    GoAlone,
    /// Run it: for your key and the batch's, then answer the batch.
    Lead(Batch<K, V>),
}

/// One caller waiting for the next statement.
type Waiter<K, V> = (K, oneshot::Sender<Answer<K, V>>);

struct Turns<K, V> {
    /// Statements of this group at the server (or about to be).
    running: usize,
    /// The callers waiting, in the order they came: the next statement serves the first
    /// `cap` of them, the ones after wait for the statement after it.
    next: Vec<Waiter<K, V>>,
    /// The most callers one statement serves (the last caller's word).
    cap: usize,
}

struct Shared<K, V> {
    turns: Mutex<Turns<K, V>>,
    /// Statements that may run at once before callers join the next one.
    max_running: usize,
    /// Calls served by joined statements, and those statements.
    joined_calls: AtomicU64,
    joined_statements: AtomicU64,
}

/// The turns of one group (one entity's point loads, saves or one lookup, on one server).
pub(crate) struct Gate<K, V> {
    shared: Arc<Shared<K, V>>,
}

impl<K, V> std::fmt::Debug for Gate<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("joined", &self.joined())
            .finish_non_exhaustive()
    }
}

/// What [`Gate::enter`] decided.
pub(crate) enum Turn<'a, K, V> {
    /// Run the caller's own statement now; drop the value when it is done.
    Alone(Running<'a, K, V>),
    /// Wait for the next statement.
    Joined(oneshot::Receiver<Answer<K, V>>),
}

/// A lone statement's hold on the turn; dropped, it passes the turn to the callers that
/// joined meanwhile.
#[must_use]
pub(crate) struct Running<'a, K, V> {
    gate: &'a Gate<K, V>,
}

/// The callers a joined statement serves besides its runner, holding the turn until it is
/// dropped: then callers not answered go alone and the turn passes on.
#[must_use]
pub(crate) struct Batch<K, V> {
    /// The turn; `None` once disarmed.
    shared: Option<Arc<Shared<K, V>>>,
    others: Vec<Waiter<K, V>>,
}

impl<K, V> Gate<K, V> {
    /// A gate that lets `max_running` statements run at once (at least one).
    pub(crate) fn new(max_running: usize) -> Gate<K, V> {
        Gate {
            shared: Arc::new(Shared {
                turns: Mutex::new(Turns {
                    running: 0,
                    next: Vec::new(),
                    cap: 1,
                }),
                max_running: max_running.max(1),
                joined_calls: AtomicU64::new(0),
                joined_statements: AtomicU64::new(0),
            }),
        }
    }

    /// Takes the turn when nothing runs, or waits for a statement that serves at most `cap`
    /// callers. Statements of one gate run one after another in the order their callers
    /// came (with one running at a time), so a caller's later call never lands before an
    /// earlier one it gave up waiting for.
    pub(crate) fn enter(&self, key: K, cap: usize) -> Turn<'_, K, V> {
        let mut turns = self.shared.turns.lock().expect("coalescing gate");
        turns.cap = cap.max(1);
        if turns.running < self.shared.max_running {
            turns.running += 1;
            return Turn::Alone(Running { gate: self });
        }
        // The runner of the next statement is one of its callers.
        let (send, receive) = oneshot::channel();
        turns.next.push((key, send));
        Turn::Joined(receive)
    }

    /// (calls served by joined statements, those statements).
    pub(crate) fn joined(&self) -> (u64, u64) {
        let shared = &self.shared;
        (
            shared.joined_calls.load(Ordering::Relaxed),
            shared.joined_statements.load(Ordering::Relaxed),
        )
    }
}

/// Passes the turn: the callers waiting become a batch led by the first of them still
/// listening, or the turn is free.
fn hand_over<K, V>(shared: &Arc<Shared<K, V>>) {
    loop {
        let mut waiters = {
            let mut turns = shared.turns.lock().expect("coalescing gate");
            if turns.next.is_empty() {
                turns.running -= 1;
                return;
            }
            // Still `running`: the turn is the batch's from here.
            let count = turns.next.len().min(turns.cap);
            turns.next.drain(..count).collect::<Vec<_>>()
        };
        // Sent without the lock. A batch that comes back unsent (its leader stopped waiting)
        // is disarmed, and its callers try the next leader.
        while !waiters.is_empty() {
            let (_, leader) = waiters.remove(0);
            let batch = Batch {
                shared: Some(Arc::clone(shared)),
                others: std::mem::take(&mut waiters),
            };
            let count = batch.others.len() as u64 + 1;
            match leader.send(Answer::Lead(batch)) {
                Ok(()) => {
                    shared.joined_calls.fetch_add(count, Ordering::Relaxed);
                    shared.joined_statements.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Err(Answer::Lead(mut batch)) => {
                    batch.shared = None;
                    waiters = std::mem::take(&mut batch.others);
                }
                Err(_) => unreachable!("the answer sent was a batch"),
            }
        }
        // Every one had gone: the callers after them get the turn.
    }
}

impl<K, V> Drop for Running<'_, K, V> {
    fn drop(&mut self) {
        hand_over(&self.gate.shared);
    }
}

impl<K, V> Batch<K, V> {
    /// The keys the batch's callers still waiting asked for (besides its runner's), a key
    /// once per caller. A caller dropped before its statement is formed is left out of it.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.others
            .iter()
            .filter(|(_, waiter)| !waiter.is_closed())
            .map(|(key, _)| key)
    }

    /// Keeps the first `count` callers still waiting and gives the ones after them back to
    /// the front of the line, for the next statement (they came before anyone waiting
    /// there): for statements that serve fixed numbers of callers best.
    pub(crate) fn keep(&mut self, count: usize) {
        self.others.retain(|(_, waiter)| !waiter.is_closed());
        if self.others.len() <= count {
            return;
        }
        let rest = self.others.split_off(count);
        let Some(shared) = &self.shared else {
            return;
        };
        let mut turns = shared.turns.lock().expect("coalescing gate");
        turns.next.splice(0..0, rest);
    }

    /// Answers every caller with what `found` holds for its key; the turn passes on.
    pub(crate) fn answer(mut self, mut found: impl FnMut(&K) -> Option<V>) {
        for (key, waiter) in self.others.drain(..) {
            // A caller that stopped waiting is gone; the others are not its business.
            let _ = waiter.send(Answer::Found(found(&key)));
        }
    }
}

impl<K, V> Drop for Batch<K, V> {
    fn drop(&mut self) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        for (_, waiter) in self.others.drain(..) {
            let _ = waiter.send(Answer::GoAlone);
        }
        hand_over(&shared);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(answer: Result<Answer<u32, u32>, oneshot::error::TryRecvError>) -> Batch<u32, u32> {
        match answer {
            Ok(Answer::Lead(batch)) => batch,
            _ => panic!("expected to lead the next statement"),
        }
    }

    #[test]
    fn a_lone_caller_takes_the_turn_and_frees_it() {
        let gate = Gate::<u32, u32>::new(1);
        let Turn::Alone(running) = gate.enter(1, 4) else {
            panic!("nothing was running");
        };
        drop(running);
        assert!(matches!(gate.enter(2, 4), Turn::Alone(_)));
        assert_eq!(gate.joined(), (0, 0));
    }

    #[test]
    fn callers_arriving_while_one_runs_are_led_by_the_first_of_them_in_turn() {
        let gate = Gate::<u32, u32>::new(1);
        let Turn::Alone(first) = gate.enter(1, 2) else {
            panic!("nothing was running");
        };
        let mut waiting: Vec<_> = (2..=4)
            .map(|key| match gate.enter(key, 2) {
                Turn::Joined(waiting) => waiting,
                Turn::Alone(_) => panic!("one was running"),
            })
            .collect();
        drop(first);
        // Two a statement: 2 leads 3; 4 waits for the statement after.
        let batch = lead(waiting[0].try_recv());
        assert_eq!(batch.keys().copied().collect::<Vec<_>>(), vec![3]);
        assert!(waiting[2].try_recv().is_err(), "4 waits its turn");
        let Turn::Joined(mut fifth) = gate.enter(5, 2) else {
            panic!("the batch holds the turn");
        };
        batch.answer(|key| (*key == 3).then_some(30));
        assert!(matches!(waiting[1].try_recv(), Ok(Answer::Found(Some(30)))));
        let batch = lead(waiting[2].try_recv());
        assert_eq!(batch.keys().copied().collect::<Vec<_>>(), vec![5]);
        batch.answer(|_| None);
        assert!(matches!(fifth.try_recv(), Ok(Answer::Found(None))));
        assert_eq!(gate.joined(), (4, 2));
        assert!(matches!(gate.enter(6, 2), Turn::Alone(_)));
    }

    #[test]
    fn a_batch_dropped_unanswered_sends_its_callers_alone_and_passes_the_turn() {
        let gate = Gate::<u32, u32>::new(1);
        let Turn::Alone(first) = gate.enter(1, 8) else {
            panic!("nothing was running");
        };
        let Turn::Joined(mut leader) = gate.enter(2, 8) else {
            panic!("one was running");
        };
        let Turn::Joined(mut other) = gate.enter(3, 8) else {
            panic!("one was running");
        };
        drop(first);
        let batch = lead(leader.try_recv());
        let Turn::Joined(mut later) = gate.enter(4, 8) else {
            panic!("the batch holds the turn");
        };
        drop(batch);
        assert!(matches!(other.try_recv(), Ok(Answer::GoAlone)));
        drop(lead(later.try_recv()));
    }

    #[test]
    fn a_leader_that_stopped_waiting_is_skipped() {
        let gate = Gate::<u32, u32>::new(1);
        let Turn::Alone(first) = gate.enter(1, 8) else {
            panic!("nothing was running");
        };
        let Turn::Joined(gone) = gate.enter(2, 8) else {
            panic!("one was running");
        };
        let Turn::Joined(mut next) = gate.enter(3, 8) else {
            panic!("one was running");
        };
        drop(gone);
        drop(first);
        let batch = lead(next.try_recv());
        assert_eq!(batch.keys().count(), 0);
        drop(batch);
        assert!(matches!(gate.enter(4, 8), Turn::Alone(_)));
        // A batch handed to a caller that then stopped waiting passes the turn on too.
        let Turn::Alone(running) = gate.enter(5, 8) else {
            panic!("nothing was running");
        };
        let _ = running;
    }

    #[test]
    fn callers_a_batch_does_not_keep_lead_the_next_statement_in_their_order() {
        let gate = Gate::<u32, u32>::new(1);
        let Turn::Alone(first) = gate.enter(1, 8) else {
            panic!("nothing was running");
        };
        let mut waiting: Vec<_> = (2..=5)
            .map(|key| match gate.enter(key, 8) {
                Turn::Joined(waiting) => waiting,
                Turn::Alone(_) => panic!("one was running"),
            })
            .collect();
        drop(first);
        let Turn::Joined(mut later) = gate.enter(6, 8) else {
            panic!("the batch holds the turn");
        };
        let mut batch = lead(waiting[0].try_recv());
        batch.keep(1);
        assert_eq!(batch.keys().copied().collect::<Vec<_>>(), vec![3]);
        batch.answer(|_| None);
        let batch = lead(waiting[2].try_recv());
        assert_eq!(batch.keys().copied().collect::<Vec<_>>(), vec![5, 6]);
        batch.answer(|_| Some(7));
        assert!(matches!(later.try_recv(), Ok(Answer::Found(Some(7)))));
    }

    #[test]
    fn an_answer_never_read_passes_the_turn_on() {
        let gate = Gate::<u32, u32>::new(1);
        let Turn::Alone(first) = gate.enter(1, 8) else {
            panic!("nothing was running");
        };
        let Turn::Joined(leader) = gate.enter(2, 8) else {
            panic!("one was running");
        };
        drop(first);
        // The batch is in the channel; its caller goes away without reading it.
        drop(leader);
        assert!(matches!(gate.enter(3, 8), Turn::Alone(_)));
    }
}
