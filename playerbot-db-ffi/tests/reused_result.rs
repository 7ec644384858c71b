//! A result the caller keeps and gives to `_load_into` call after call: each load replaces
//! what it held, whatever that was, and a failed one leaves it empty.

mod common;

use std::ptr::null_mut;

use common::*;
use playerbot_db_ffi::*;

#[test]
fn one_result_takes_load_after_load_of_any_table() {
    let test = TestDatabase::new("reused_result");
    let db = test.open(None);
    let db = db.ptr();
    let mut reused = null_mut();
    // SAFETY: (this test's calls) a live handle; rows, keys and outs on the stack; the
    // result from pbdb_result_new, freed once at the end.
    unsafe {
        assert_eq!(pbdb_result_new(&mut reused), PBDB_OK);
        let mut len = usize::MAX;
        assert_eq!(pbdb_result_len(reused, &mut len), PBDB_OK);
        assert_eq!(len, 0, "a new result holds nothing");
        let mut view = s("unchanged");
        assert_eq!(pbdb_result_text(reused, &mut view), PBDB_INVALID_ARGUMENT);

        // One row saved now (in the server) and one deferred (in the queue only).
        assert_eq!(pbdb_bot_state_save(db, &state(1)), PBDB_OK);
        assert_eq!(pbdb_bot_state_save_deferred(db, &state(2)), PBDB_OK);
        for bot_id in [1, 2, 1] {
            let key = PbdbBotStateKey { bot_id };
            assert_eq!(
                pbdb_bot_state_load_into(db, &key, reused),
                PBDB_OK,
                "{}",
                last_error()
            );
            assert_eq!(pbdb_result_len(reused, &mut len), PBDB_OK);
            assert_eq!(len, 1, "each load replaces the row before");
            let mut row = PbdbBotState::default();
            assert_eq!(pbdb_bot_state_get(reused, 0, &mut row), PBDB_OK);
            assert_eq!((row.bot_id, row.health), (bot_id, state(bot_id).health));
        }

        // The same result takes another table's row, with text pointing into it.
        let event = PbdbBotEvent {
            bot_id: 1,
            event: s("login"),
            value: 5,
            expires_at: 0,
        };
        assert_eq!(pbdb_bot_event_save(db, &event), PBDB_OK);
        let key = PbdbBotEventKey {
            bot_id: 1,
            event: s("login"),
        };
        assert_eq!(pbdb_bot_event_load_into(db, &key, reused), PBDB_OK);
        let mut loaded = PbdbBotEvent {
            event: s(""),
            value: 0,
            ..event
        };
        assert_eq!(pbdb_bot_event_get(reused, 0, &mut loaded), PBDB_OK);
        assert_eq!(text(loaded.event).as_deref(), Some("login"));
        assert_eq!(loaded.value, 5);
        let mut wrong = PbdbBotState::default();
        assert_eq!(
            pbdb_bot_state_get(reused, 0, &mut wrong),
            PBDB_INVALID_ARGUMENT
        );

        // A missing key: NOT_FOUND, and the result is left empty.
        let missing = PbdbBotStateKey { bot_id: 404 };
        assert_eq!(
            pbdb_bot_state_load_into(db, &missing, reused),
            PBDB_NOT_FOUND
        );
        assert_eq!(pbdb_result_len(reused, &mut len), PBDB_OK);
        assert_eq!(len, 0);

        // A result a load returned can be refilled too.
        let mut returned = null_mut();
        let first = PbdbBotStateKey { bot_id: 1 };
        assert_eq!(pbdb_bot_state_load(db, &first, &mut returned), PBDB_OK);
        assert_eq!(
            pbdb_bot_state_load_into(db, &PbdbBotStateKey { bot_id: 2 }, returned),
            PBDB_OK
        );
        let mut row = PbdbBotState::default();
        assert_eq!(pbdb_bot_state_get(returned, 0, &mut row), PBDB_OK);
        assert_eq!(row.bot_id, 2);
        pbdb_result_free(returned);

        // Checked arguments.
        assert_eq!(
            pbdb_bot_state_load_into(db, &first, null_mut()),
            PBDB_INVALID_ARGUMENT
        );
        assert!(last_error().contains("into is NULL"), "{}", last_error());
        assert_eq!(pbdb_result_new(null_mut()), PBDB_INVALID_ARGUMENT);
        pbdb_result_free(reused);
    }
}
