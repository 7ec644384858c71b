//! Whether the tokio runtime a connection was opened on still runs.
//!
//! A socket belongs to the runtime that created it and stops working when that runtime shuts
//! down (a `#[tokio::test]` ending, a runtime built for one job). The pool outlives runtimes,
//! so each connection remembers its runtime and is closed, not lent, once that has gone.

use std::cell::RefCell;
use std::sync::{Arc, Weak};

/// Alive as long as the runtime it was taken on: a task parked on that runtime holds the
/// strong end, and a runtime drops all its tasks when it shuts down.
#[derive(Debug, Clone)]
pub(crate) struct RuntimeAlive(Weak<()>);

thread_local! {
    /// This thread's runtime's token; a thread runs one runtime at a time.
    static TOKEN: RefCell<Weak<()>> = const { RefCell::new(Weak::new()) };
}

impl RuntimeAlive {
    /// The token of the runtime this is called on (it must be called inside one).
    pub(super) fn current() -> RuntimeAlive {
        let cached = TOKEN.with(|token| token.borrow().clone());
        if cached.strong_count() > 0 {
            return RuntimeAlive(cached);
        }
        let strong = Arc::new(());
        let weak = Arc::downgrade(&strong);
        tokio::spawn(async move {
            let _alive = strong;
            std::future::pending::<()>().await;
        });
        TOKEN.with(|token| *token.borrow_mut() = weak.clone());
        RuntimeAlive(weak)
    }

    pub(super) fn is_alive(&self) -> bool {
        self.0.strong_count() > 0
    }
}
