//! The C ABI called from Rust as C would call it, against a real server: every call's
//! effect on the rows, and every error path the ABI promises to check.

mod common;

use std::ptr::{null, null_mut};

use common::*;
use playerbot_db_ffi::*;

fn load_state(db: *const PbdbDb, bot_id: u32) -> (PbdbStatus, Option<PbdbBotState>) {
    let mut result = null_mut();
    // SAFETY: a live handle, a key on the stack, a writable out.
    let status = unsafe { pbdb_bot_state_load(db, &PbdbBotStateKey { bot_id }, &mut result) };
    if status != PBDB_OK {
        assert!(result.is_null(), "a failed load leaves *out NULL");
        return (status, None);
    }
    let mut row = PbdbBotState::default();
    // SAFETY: a live result and a writable row.
    assert_eq!(unsafe { pbdb_bot_state_get(result, 0, &mut row) }, PBDB_OK);
    // SAFETY: freed once.
    unsafe { pbdb_result_free(result) };
    (status, Some(row))
}

fn same_state(a: &PbdbBotState, b: &PbdbBotState) -> bool {
    (
        a.bot_id,
        a.map_id,
        a.zone_id,
        a.health,
        a.mana,
        a.level,
        a.flags,
        a.updated_at,
    ) == (
        b.bot_id,
        b.map_id,
        b.zone_id,
        b.health,
        b.mana,
        b.level,
        b.flags,
        b.updated_at,
    ) && (a.x, a.y, a.z, a.orientation) == (b.x, b.y, b.z, b.orientation)
}

#[test]
fn bot_state_round_trips_through_every_call() {
    let test = TestDatabase::new("bot_state");
    let db = test.open(None);
    let db = db.ptr();
    // SAFETY: (this test's calls) a live handle, rows, keys and outs on the stack.
    unsafe {
        assert_eq!(pbdb_bot_state_save(db, &state(1)), PBDB_OK);
        let (status, row) = load_state(db, 1);
        assert_eq!(status, PBDB_OK);
        assert!(same_state(&row.unwrap(), &state(1)));

        // A missing row is NOT_FOUND, with *out NULL.
        assert_eq!(load_state(db, 999).0, PBDB_NOT_FOUND);
        assert!(last_error().contains("no BotState row"), "{}", last_error());

        // Bulk save, then a load of many with one key missing.
        let rows: Vec<PbdbBotState> = (10..20).map(state).collect();
        assert_eq!(
            pbdb_bot_state_save_all(db, rows.as_ptr(), rows.len()),
            PBDB_OK
        );
        let keys = [12, 500, 19].map(|bot_id| PbdbBotStateKey { bot_id });
        let mut result = null_mut();
        assert_eq!(
            pbdb_bot_state_load_many(db, keys.as_ptr(), keys.len(), &mut result),
            PBDB_OK
        );
        let mut len = 0;
        assert_eq!(pbdb_result_len(result, &mut len), PBDB_OK);
        assert_eq!(len, 3);
        let mut row = PbdbBotState::default();
        assert_eq!(pbdb_bot_state_get(result, 0, &mut row), PBDB_OK);
        assert!(same_state(&row, &state(12)));
        assert_eq!(pbdb_bot_state_get(result, 1, &mut row), PBDB_NOT_FOUND);
        assert_eq!(pbdb_bot_state_get(result, 2, &mut row), PBDB_OK);
        assert!(same_state(&row, &state(19)));
        assert_eq!(
            pbdb_bot_state_get(result, 3, &mut row),
            PBDB_INVALID_ARGUMENT
        );
        pbdb_result_free(result);

        // Deferred saves and deletes reach the server by the flush.
        let mut moved = state(30);
        assert_eq!(pbdb_bot_state_save_deferred(db, &moved), PBDB_OK);
        moved.health = 1;
        assert_eq!(pbdb_bot_state_save_deferred(db, &moved), PBDB_OK);
        assert_eq!(
            pbdb_bot_state_delete_deferred(db, &PbdbBotStateKey { bot_id: 10 }),
            PBDB_OK
        );
        assert_eq!(pbdb_flush(db, 30_000), PBDB_OK, "{}", last_error());
        assert_eq!(
            test.count("SELECT health FROM bot_state WHERE bot_id = 30"),
            1
        );
        assert_eq!(
            test.count("SELECT COUNT(*) FROM bot_state WHERE bot_id = 10"),
            0
        );

        // A delete reports whether there was a row.
        assert_eq!(
            pbdb_bot_state_delete(db, &PbdbBotStateKey { bot_id: 11 }),
            PBDB_OK
        );
        assert_eq!(
            pbdb_bot_state_delete(db, &PbdbBotStateKey { bot_id: 11 }),
            PBDB_NOT_FOUND
        );
        assert_eq!(test.count("SELECT COUNT(*) FROM bot_state"), 1 + 10 - 2 + 1);

        let mut stats = PbdbStats::default();
        assert_eq!(pbdb_stats(db, &mut stats), PBDB_OK);
        assert!(stats.pool_open >= 1 && stats.pool_checkouts > 0);
        assert!(stats.write_behind_rows_written >= 2);
        assert_eq!(stats.write_behind_depth, 0);
    }
}

#[test]
fn string_entities_round_trip_and_are_read_by_bot() {
    let test = TestDatabase::new("strings");
    let db = test.open(None);
    let db = db.ptr();
    // SAFETY: (this test's calls) a live handle; every PbdbStr over a live string.
    unsafe {
        for (bot_id, name, value) in [(7, "cooldown", 1), (7, "last_seen", 2), (8, "cooldown", 3)] {
            let event = PbdbBotEvent {
                bot_id,
                event: s(name),
                value,
                expires_at: 2_000_000_000,
            };
            assert_eq!(pbdb_bot_event_save(db, &event), PBDB_OK, "{}", last_error());
        }
        let mut result = null_mut();
        assert_eq!(pbdb_bot_event_load_by_bot(db, 7, &mut result), PBDB_OK);
        let mut len = 0;
        pbdb_result_len(result, &mut len);
        assert_eq!(len, 2);
        let mut event = PbdbBotEvent {
            bot_id: 0,
            event: s(""),
            value: 0,
            expires_at: 0,
        };
        assert_eq!(pbdb_bot_event_get(result, 1, &mut event), PBDB_OK);
        assert_eq!(
            (event.bot_id, text(event.event).as_deref(), event.value),
            (7, Some("last_seen"), 2)
        );
        // The wrong accessor for the rows a result holds is refused.
        let mut state = PbdbBotState::default();
        assert_eq!(
            pbdb_bot_state_get(result, 0, &mut state),
            PBDB_INVALID_ARGUMENT
        );
        pbdb_result_free(result);

        // An AI value with empty and filled slots; an empty text is not "no text".
        let blob = [1u8, 2, 3];
        let value = PbdbAiValue {
            bot_id: 7,
            name: s("target"),
            value_text: s(""),
            has_value_int: 1,
            value_int: -5,
            has_value_float: 0,
            value_float: 0.0,
            value_blob: PbdbBytes {
                ptr: blob.as_ptr(),
                len: blob.len(),
            },
            updated_at: 9,
        };
        assert_eq!(pbdb_ai_value_save(db, &value), PBDB_OK, "{}", last_error());
        let key = PbdbAiValueKey {
            bot_id: 7,
            name: s("target"),
        };
        let mut result = null_mut();
        assert_eq!(pbdb_ai_value_load(db, &key, &mut result), PBDB_OK);
        let mut loaded = value;
        assert_eq!(pbdb_ai_value_get(result, 0, &mut loaded), PBDB_OK);
        assert_eq!(text(loaded.value_text).as_deref(), Some(""));
        assert_eq!(
            (
                loaded.has_value_int,
                loaded.value_int,
                loaded.has_value_float
            ),
            (1, -5, 0)
        );
        let loaded_blob = std::slice::from_raw_parts(loaded.value_blob.ptr, loaded.value_blob.len);
        assert_eq!(loaded_blob, &blob);
        pbdb_result_free(result);
        assert_eq!(
            test.count(
                "SELECT COUNT(*) FROM ai_value WHERE value_text = '' AND value_float IS NULL"
            ),
            1
        );

        let strategy = PbdbBotStrategy {
            bot_id: 7,
            engine: PBDB_ENGINE_NON_COMBAT,
            strategies: s("follow,loot"),
        };
        assert_eq!(
            pbdb_bot_strategy_save(db, &strategy),
            PBDB_OK,
            "{}",
            last_error()
        );
        let mut item = PbdbEquipment {
            bot_id: 7,
            slot: 15,
            item_entry: 19019,
            has_quality: 1,
            quality: 5,
            guid: 77,
            durability: 120,
            ..PbdbEquipment::default()
        };
        assert_eq!(pbdb_equipment_save(db, &item), PBDB_OK, "{}", last_error());
        item.slot = 16;
        item.guid = 78;
        assert_eq!(pbdb_equipment_save_deferred(db, &item), PBDB_OK);
        assert_eq!(pbdb_flush(db, 30_000), PBDB_OK);
        let mut result = null_mut();
        assert_eq!(pbdb_equipment_load_by_bot(db, 7, &mut result), PBDB_OK);
        let mut len = 0;
        pbdb_result_len(result, &mut len);
        assert_eq!(len, 2);
        let mut loaded = PbdbEquipment::default();
        assert_eq!(pbdb_equipment_get(result, 0, &mut loaded), PBDB_OK);
        assert_eq!(
            (
                loaded.slot,
                loaded.has_quality,
                loaded.quality,
                loaded.has_enchant_id
            ),
            (15, 1, 5, 0)
        );
        pbdb_result_free(result);
        assert_eq!(
            test.count(
                "SELECT COUNT(*) FROM bot_strategy WHERE strategies = 'follow,loot' AND engine = 1"
            ),
            1
        );
    }
}

#[test]
fn malformed_arguments_are_refused_before_any_work() {
    let test = TestDatabase::new("arguments");
    let handle = test.open(None);
    let db = handle.ptr();
    // SAFETY: (this test's calls) each pointer is NULL, or live for its length, or (the
    // point of the test) NULL with a length, which the ABI must refuse without reading.
    unsafe {
        // NULL handle, row, key and out.
        assert_eq!(
            pbdb_bot_state_save(null(), &state(1)),
            PBDB_INVALID_ARGUMENT
        );
        assert!(last_error().contains("db is NULL"), "{}", last_error());
        assert_eq!(pbdb_bot_state_save(db, null()), PBDB_INVALID_ARGUMENT);
        assert_eq!(
            pbdb_bot_state_load(db, null(), &mut null_mut()),
            PBDB_INVALID_ARGUMENT
        );
        let key = PbdbBotStateKey { bot_id: 1 };
        assert_eq!(
            pbdb_bot_state_load(db, &key, null_mut()),
            PBDB_INVALID_ARGUMENT
        );
        assert_eq!(pbdb_stats(db, null_mut()), PBDB_INVALID_ARGUMENT);
        assert_eq!(pbdb_poll(db, null_mut(), 4, &mut 0), PBDB_INVALID_ARGUMENT);

        // A length with a NULL pointer, for an array and for a string.
        assert_eq!(
            pbdb_bot_state_save_all(db, null(), 3),
            PBDB_INVALID_ARGUMENT
        );
        assert!(
            last_error().contains("NULL with length 3"),
            "{}",
            last_error()
        );
        let event = PbdbBotEvent {
            bot_id: 1,
            event: PbdbStr {
                ptr: null(),
                len: 5,
            },
            value: 0,
            expires_at: 0,
        };
        assert_eq!(pbdb_bot_event_save(db, &event), PBDB_INVALID_ARGUMENT);

        // Text that is not UTF-8 names its field.
        let bad = [b'a', 0xff, b'b'];
        let event = PbdbBotEvent {
            event: PbdbStr {
                ptr: bad.as_ptr().cast(),
                len: bad.len(),
            },
            ..event
        };
        assert_eq!(pbdb_bot_event_save(db, &event), PBDB_INVALID_ARGUMENT);
        assert!(
            last_error().contains("event is not UTF-8"),
            "{}",
            last_error()
        );

        // An enum number no variant has.
        let strategy = PbdbBotStrategy {
            bot_id: 1,
            engine: 9,
            strategies: s("x"),
        };
        assert_eq!(pbdb_bot_strategy_save(db, &strategy), PBDB_INVALID_ARGUMENT);
        let slot = PbdbEquipmentKey {
            bot_id: 1,
            slot: 19,
        };
        assert_eq!(pbdb_equipment_delete(db, &slot), PBDB_INVALID_ARGUMENT);

        // A value that does not fit its column is the server's kind of refusal.
        let long = "e".repeat(65);
        let event = PbdbBotEvent {
            bot_id: 1,
            event: s(&long),
            value: 0,
            expires_at: 0,
        };
        assert_eq!(
            pbdb_bot_event_save_deferred(db, &event),
            PBDB_INVALID_VALUE,
            "{}",
            last_error()
        );

        // Options of another size, and settings no handle can run with.
        let url = test.url();
        let mut out = null_mut();
        let wrong_size = options(|o| o.size -= 8);
        assert_eq!(
            pbdb_open(url.as_ptr().cast(), url.len(), &wrong_size, &mut out),
            PBDB_INVALID_ARGUMENT
        );
        assert!(out.is_null());
        let no_threads = options(|o| o.worker_threads = 0);
        assert_eq!(
            pbdb_open(url.as_ptr().cast(), url.len(), &no_threads, &mut out),
            PBDB_INVALID_ARGUMENT
        );
        assert!(last_error().contains("worker_threads"), "{}", last_error());
        let bad_url = [b'm', 0xc3];
        assert_eq!(
            pbdb_open(bad_url.as_ptr().cast(), 2, null(), &mut out),
            PBDB_INVALID_ARGUMENT
        );
        assert_eq!(
            pbdb_open(null(), 10, null(), &mut out),
            PBDB_INVALID_ARGUMENT
        );
        assert!(out.is_null());

        // Nothing above reached the server.
        assert_eq!(test.count("SELECT COUNT(*) FROM bot_event"), 0);
        assert_eq!(test.count("SELECT COUNT(*) FROM bot_strategy"), 0);
    }
}

#[test]
fn a_refused_login_never_shows_the_password() {
    let test = TestDatabase::new("login");
    let url = test.url();
    let password = "s3cr3t-not-this-one";
    let (prefix, rest) = url.split_once("://").expect("a URL");
    let (_, host) = rest.split_once('@').expect("a URL with credentials");
    let wrong = format!("{prefix}://root:{password}@{host}");
    let mut out = null_mut();
    // SAFETY: the URL lives through the call; out is writable.
    let status = unsafe { pbdb_open(wrong.as_ptr().cast(), wrong.len(), null(), &mut out) };
    assert_eq!(status, PBDB_REJECTED, "{}", last_error());
    assert!(out.is_null());
    assert!(!last_error().contains(password), "{}", last_error());
}

#[test]
fn a_closed_handle_answers_closed_to_every_call() {
    let test = TestDatabase::new("closed");
    let handle = test.open(None);
    let db = handle.0;
    // SAFETY: (this test's calls) the handle stays allocated until `handle` is dropped.
    unsafe {
        assert_eq!(pbdb_bot_state_save_deferred(db, &state(5)), PBDB_OK);
        assert_eq!(pbdb_close(db, 30_000), PBDB_OK, "{}", last_error());
        // The deferred save was drained by the close.
        assert_eq!(
            test.count("SELECT COUNT(*) FROM bot_state WHERE bot_id = 5"),
            1
        );

        assert_eq!(pbdb_bot_state_save(db, &state(6)), PBDB_CLOSED);
        assert!(last_error().contains("closed"), "{}", last_error());
        assert_eq!(pbdb_bot_state_save_deferred(db, &state(6)), PBDB_CLOSED);
        assert_eq!(load_state(db, 5).0, PBDB_CLOSED);
        assert_eq!(
            pbdb_bot_state_load_async(db, &PbdbBotStateKey { bot_id: 5 }, 1),
            PBDB_CLOSED
        );
        assert_eq!(pbdb_poll(db, null_mut(), 0, &mut 0), PBDB_CLOSED);
        assert_eq!(pbdb_flush(db, 10), PBDB_CLOSED);
        assert_eq!(pbdb_stats(db, &mut PbdbStats::default()), PBDB_CLOSED);
        assert_eq!(pbdb_close(db, 10), PBDB_CLOSED);
    }
    drop(handle);
    assert_eq!(test.count("SELECT COUNT(*) FROM bot_state"), 1);
}

#[test]
fn the_completion_queue_returns_every_call_by_its_token() {
    let test = TestDatabase::new("completions");
    let handle = test.open(None);
    let db = handle.ptr();
    // SAFETY: (this test's calls) a live handle; inputs are copied by the submissions.
    unsafe {
        for bot_id in 1..=20 {
            assert_eq!(
                pbdb_bot_state_save_async(db, &state(bot_id), u64::from(bot_id)),
                PBDB_OK
            );
        }
        let saved = poll_all(db, 20);
        assert!(saved
            .iter()
            .all(|c| c.status == PBDB_OK && c.result.is_null() && c.message[0] == 0));
        let mut tokens: Vec<u64> = saved.iter().map(|c| c.token).collect();
        tokens.sort_unstable();
        assert_eq!(tokens, (1..=20).collect::<Vec<u64>>());

        assert_eq!(
            pbdb_bot_state_load_async(db, &PbdbBotStateKey { bot_id: 3 }, 103),
            PBDB_OK
        );
        assert_eq!(
            pbdb_bot_state_load_async(db, &PbdbBotStateKey { bot_id: 404 }, 104),
            PBDB_OK
        );
        let keys = [1, 2, 999].map(|bot_id| PbdbBotStateKey { bot_id });
        assert_eq!(
            pbdb_bot_state_load_many_async(db, keys.as_ptr(), 3, 105),
            PBDB_OK
        );
        for completion in poll_all(db, 3) {
            match completion.token {
                103 => {
                    assert_eq!(completion.status, PBDB_OK);
                    let mut row = PbdbBotState::default();
                    assert_eq!(pbdb_bot_state_get(completion.result, 0, &mut row), PBDB_OK);
                    assert!(same_state(&row, &state(3)));
                }
                104 => {
                    assert_eq!(completion.status, PBDB_NOT_FOUND);
                    assert!(completion.result.is_null());
                    // SAFETY: the message is NUL-terminated within the struct.
                    let message = std::ffi::CStr::from_ptr(completion.message.as_ptr());
                    assert!(
                        message.to_string_lossy().contains("no BotState row"),
                        "{message:?}"
                    );
                }
                105 => {
                    let mut len = 0;
                    pbdb_result_len(completion.result, &mut len);
                    assert_eq!(len, 3);
                    let mut row = PbdbBotState::default();
                    assert_eq!(
                        pbdb_bot_state_get(completion.result, 2, &mut row),
                        PBDB_NOT_FOUND
                    );
                }
                other => panic!("unknown token {other}"),
            }
            pbdb_result_free(completion.result);
        }
        assert_eq!(
            pbdb_bot_state_delete_async(db, &PbdbBotStateKey { bot_id: 1 }, 7),
            PBDB_OK
        );
        assert_eq!(poll_all(db, 1)[0].status, PBDB_OK);
        assert_eq!(test.count("SELECT COUNT(*) FROM bot_state"), 19);
    }
}

#[test]
fn a_full_completion_queue_refuses_the_next_submission() {
    let test = TestDatabase::new("completions_full");
    let handle = test.open(Some(options(|o| o.completion_capacity = 2)));
    let db = handle.ptr();
    let key = PbdbBotStateKey { bot_id: 1 };
    // SAFETY: (this test's calls) a live handle and a key on the stack.
    unsafe {
        assert_eq!(pbdb_bot_state_load_async(db, &key, 1), PBDB_OK);
        assert_eq!(pbdb_bot_state_load_async(db, &key, 2), PBDB_OK);
        // Both slots stay taken until polled, finished or not.
        assert_eq!(pbdb_bot_state_load_async(db, &key, 3), PBDB_QUEUE_FULL);
        assert!(
            last_error().contains("completion queue"),
            "{}",
            last_error()
        );
        let done = poll_all(db, 2);
        assert_eq!(done.len(), 2);
        assert_eq!(pbdb_bot_state_load_async(db, &key, 4), PBDB_OK);
        assert_eq!(poll_all(db, 1)[0].token, 4);
    }
}

#[test]
fn a_full_write_behind_queue_rejects_when_told_to() {
    let test = TestDatabase::new("write_behind_full");
    let handle = test.open(Some(options(|o| {
        o.write_behind_max_dirty = 1;
        o.write_behind_when_full = PBDB_WHEN_FULL_REJECT;
        // No flush starts on its own during the test.
        o.write_behind_interval_ms = 3_600_000;
    })));
    let db = handle.ptr();
    // SAFETY: (this test's calls) a live handle and rows on the stack.
    unsafe {
        assert_eq!(pbdb_bot_state_save_deferred(db, &state(1)), PBDB_OK);
        // The same key coalesces; another key is past the bound.
        assert_eq!(pbdb_bot_state_save_deferred(db, &state(1)), PBDB_OK);
        assert_eq!(
            pbdb_bot_state_save_deferred(db, &state(2)),
            PBDB_QUEUE_FULL,
            "{}",
            last_error()
        );
        assert_eq!(pbdb_flush(db, 30_000), PBDB_OK);
        assert_eq!(pbdb_bot_state_save_deferred(db, &state(2)), PBDB_OK);
        let mut stats = PbdbStats::default();
        pbdb_stats(db, &mut stats);
        assert_eq!(stats.write_behind_rejected, 1);
    }
    drop(handle);
    assert_eq!(test.count("SELECT COUNT(*) FROM bot_state"), 2);
}

#[test]
fn closing_with_calls_in_flight_neither_leaks_nor_crashes() {
    let test = TestDatabase::new("close_in_flight");
    let handle = test.open(None);
    let db = handle.0;
    // SAFETY: (this test's calls) the handle stays allocated until `handle` is dropped.
    unsafe {
        for bot_id in 1..=200 {
            assert_eq!(pbdb_bot_state_save_deferred(db, &state(bot_id)), PBDB_OK);
            assert_eq!(
                pbdb_bot_state_load_async(db, &PbdbBotStateKey { bot_id }, u64::from(bot_id)),
                PBDB_OK
            );
            let event = PbdbBotEvent {
                bot_id,
                event: s("login"),
                value: 1,
                expires_at: 0,
            };
            assert_eq!(
                pbdb_bot_event_save_async(db, &event, 1000 + u64::from(bot_id)),
                PBDB_OK
            );
        }
        // Never polled: their results are freed with the queue.
        assert_eq!(pbdb_close(db, 30_000), PBDB_OK, "{}", last_error());
        assert_eq!(pbdb_poll(db, null_mut(), 0, &mut 0), PBDB_CLOSED);
    }
    drop(handle);
    // Every deferred save was drained by the close.
    assert_eq!(test.count("SELECT COUNT(*) FROM bot_state"), 200);
}

#[test]
fn many_threads_share_one_handle() {
    let test = TestDatabase::new("threads");
    let handle = test.open(None);
    std::thread::scope(|scope| {
        for thread in 0..8u32 {
            let handle = &handle;
            scope.spawn(move || {
                for i in 0..50 {
                    let bot_id = thread * 1000 + i;
                    // SAFETY: a live handle shared by the threads, rows on each stack.
                    unsafe {
                        assert_eq!(
                            pbdb_bot_state_save_deferred(handle.ptr(), &state(bot_id)),
                            PBDB_OK
                        );
                        assert_eq!(load_state(handle.ptr(), bot_id).0, PBDB_OK);
                    }
                }
            });
        }
    });
    // SAFETY: a live handle.
    assert_eq!(unsafe { pbdb_flush(handle.ptr(), 30_000) }, PBDB_OK);
    assert_eq!(test.count("SELECT COUNT(*) FROM bot_state"), 400);
}

#[test]
fn schema_check_and_metrics() {
    let test = TestDatabase::new("schema");
    let handle = test.open(None);
    let db = handle.ptr();
    // SAFETY: (this test's calls) a live handle and writable outs.
    unsafe {
        assert_eq!(pbdb_check_schema(db), PBDB_OK, "{}", last_error());
        // A second migrate applies nothing.
        let mut applied = 99;
        assert_eq!(pbdb_migrate(db, &mut applied), PBDB_OK);
        assert_eq!(applied, 0);
        with_conn(Some(&test.name), |conn| {
            use playerbot_db::mysql_async::prelude::Queryable;
            Box::pin(conn.query_drop("ALTER TABLE bot_strategy DROP COLUMN strategies"))
        });
        assert_eq!(pbdb_check_schema(db), PBDB_SCHEMA_MISMATCH);
        assert!(last_error().contains("strategies"), "{}", last_error());

        assert_eq!(pbdb_bot_state_save(db, &state(1)), PBDB_OK);
        let mut result = null_mut();
        assert_eq!(pbdb_metrics(db, &mut result), PBDB_OK);
        let mut body = PbdbStr {
            ptr: null(),
            len: 0,
        };
        assert_eq!(pbdb_result_text(result, &mut body), PBDB_OK);
        let body = text(body).expect("metrics text");
        assert!(body.contains("playerbot_db_pool_checkouts"), "{body}");
        assert_eq!(
            pbdb_bot_state_get(result, 0, &mut PbdbBotState::default()),
            PBDB_INVALID_ARGUMENT
        );
        pbdb_result_free(result);
    }
}
