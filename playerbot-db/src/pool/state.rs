//! What a connection is in the middle of, so that a guard dropped at any await is cleaned up
//! before anyone else gets the connection.

/// A set of the unfinished things on one connection. Each routine sets its flag before the
/// await that could be cancelled and clears it once that await has completed; a connection
/// that comes back with any flag set goes to the recycler instead of a free list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ConnState(u8);

/// One thing a connection can be in the middle of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Busy {
    /// A statement was sent and its reply not fully read.
    Statement = 1,
    /// `START TRANSACTION` was sent and no `COMMIT` or `ROLLBACK` has completed.
    Transaction = 2,
    /// `GET_LOCK` was sent and the matching `RELEASE_LOCK` has not completed.
    NamedLock = 4,
    /// The user had the raw connection: session variables, the default database, temporary
    /// tables or prepared statements may differ from a fresh connection's.
    Session = 8,
}

impl ConnState {
    pub(crate) fn is_clean(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn has(self, busy: Busy) -> bool {
        self.0 & busy as u8 != 0
    }

    pub(crate) fn enter(&mut self, busy: Busy) {
        self.0 |= busy as u8;
    }

    pub(crate) fn leave(&mut self, busy: Busy) {
        self.0 &= !(busy as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_independent() {
        let mut state = ConnState::default();
        assert!(state.is_clean());
        state.enter(Busy::Transaction);
        state.enter(Busy::Statement);
        state.leave(Busy::Statement);
        assert!(state.has(Busy::Transaction) && !state.has(Busy::Statement));
        assert!(!state.is_clean());
        state.leave(Busy::Transaction);
        assert!(state.is_clean());
    }
}
