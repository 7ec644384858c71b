//! The C ABI called from a plain Rust thread, as a C++ world thread calls it (the machine
//! code on the library's side is the same).

use std::ptr::null_mut;
use std::time::Instant;

use playerbot_db_ffi::*;

use crate::times::{Shape, Times};

/// How the pass loads: a new result each time (load + get + free), or one reused result
/// refilled by `_load_into` (load_into + get).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loads {
    NewResult,
    ReusedResult,
}

/// `calls` of each call over bots `1..=bots`, in `shape`'s order, as the C++ program makes
/// them.
pub(crate) fn pass(db: *mut PbdbDb, calls: usize, bots: u32, shape: Shape, loads: Loads) -> Times {
    let key = move |i: usize| PbdbBotStateKey {
        bot_id: 1 + (i as u32 % bots),
    };
    let mut reused = null_mut();
    // SAFETY: (every call of the pass) a live handle; rows, keys and outs on the stack;
    // `reused` from pbdb_result_new, and each result freed once.
    assert_eq!(unsafe { pbdb_result_new(&mut reused) }, PBDB_OK);
    let save = |i: usize| {
        let row = PbdbBotState {
            bot_id: key(i).bot_id,
            level: 80,
            health: 1000,
            ..PbdbBotState::default()
        };
        let started = Instant::now();
        // SAFETY: as above.
        assert_eq!(unsafe { pbdb_bot_state_save_deferred(db, &row) }, PBDB_OK);
        started.elapsed()
    };
    let load = |i: usize| {
        let mut out = PbdbBotState::default();
        let started = Instant::now();
        // SAFETY: as above.
        unsafe {
            match loads {
                Loads::NewResult => {
                    let mut result = null_mut();
                    assert_eq!(pbdb_bot_state_load(db, &key(i), &mut result), PBDB_OK);
                    assert_eq!(pbdb_bot_state_get(result, 0, &mut out), PBDB_OK);
                    pbdb_result_free(result);
                }
                Loads::ReusedResult => {
                    assert_eq!(pbdb_bot_state_load_into(db, &key(i), reused), PBDB_OK);
                    assert_eq!(pbdb_bot_state_get(reused, 0, &mut out), PBDB_OK);
                }
            }
        }
        started.elapsed()
    };
    let queued = |i: usize| {
        let mut done = [PbdbCompletion {
            token: 0,
            status: 0,
            result: null_mut(),
            message: [0; PBDB_MESSAGE_CAPACITY],
        }];
        let started = Instant::now();
        // SAFETY: as above.
        unsafe {
            assert_eq!(pbdb_bot_state_load_async(db, &key(i), i as u64), PBDB_OK);
            let mut got = 0;
            while got == 0 {
                assert_eq!(pbdb_poll(db, done.as_mut_ptr(), 1, &mut got), PBDB_OK);
            }
        }
        let elapsed = started.elapsed();
        assert_eq!(done[0].status, PBDB_OK);
        // SAFETY: as above.
        unsafe { pbdb_result_free(done[0].result) };
        elapsed
    };
    let times = Times::collect(shape, calls, save, load, queued);
    // SAFETY: as above.
    unsafe { pbdb_result_free(reused) };
    times
}
