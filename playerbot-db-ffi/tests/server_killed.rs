//! A server killed mid-run: deferred saves accepted while it is away are kept, and land,
//! newest value per key, once it is back.

mod common;

use std::ptr::null_mut;

use common::*;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_ffi::*;

#[test]
fn deferred_saves_made_while_the_server_is_away_land_after_its_restart() {
    // A private server: this test kills it.
    let runtime = small_runtime();
    let mut server = runtime
        .block_on(EmbeddedServer::start())
        .unwrap_or_else(|err| panic!("the test needs a MariaDB or MySQL server binary: {err}"));
    with_conn_at(&server.url(), None, |conn| {
        Box::pin(conn.query_drop("CREATE DATABASE game CHARACTER SET utf8mb4"))
    });
    let private_url = server.url();
    let count = |sql: &'static str| -> u64 {
        let found: Option<u64> = with_conn_at(&private_url, Some("game"), |conn| {
            Box::pin(conn.query_first(sql))
        });
        found.expect("one row")
    };
    let url = format!("{private_url}game");
    let options = options(|o| {
        o.write_behind_interval_ms = 50;
        o.connect_timeout_ms = 500;
    });
    let mut db = null_mut();
    // SAFETY: (this test's calls) the URL, options and rows live through each call; the
    // handle is freed once, at the end.
    unsafe {
        assert_eq!(
            pbdb_open(url.as_ptr().cast(), url.len(), &options, &mut db),
            PBDB_OK
        );
        assert_eq!(pbdb_migrate(db, null_mut()), PBDB_OK, "{}", last_error());
        for bot_id in 1..=50 {
            assert_eq!(pbdb_bot_state_save_deferred(db, &state(bot_id)), PBDB_OK);
        }
        assert_eq!(pbdb_flush(db, 30_000), PBDB_OK, "{}", last_error());

        server.kill();
        // Accepted while the server is away: 50 new bots and a newer state of the others.
        for bot_id in 1..=100 {
            let mut row = state(bot_id);
            row.health = 1;
            assert_eq!(
                pbdb_bot_state_save_deferred(db, &row),
                PBDB_OK,
                "{}",
                last_error()
            );
        }
        // Nothing can land meanwhile: the flush runs out of time, and the rows stay queued.
        assert_eq!(pbdb_flush(db, 300), PBDB_TIMEOUT);
        let mut stats = PbdbStats::default();
        assert_eq!(pbdb_stats(db, &mut stats), PBDB_OK);
        assert!(stats.write_behind_depth > 0, "{stats:?}");

        runtime
            .block_on(server.restart())
            .expect("restarting the server");
        assert_eq!(pbdb_flush(db, 60_000), PBDB_OK, "{}", last_error());
        assert_eq!(pbdb_close(db, 30_000), PBDB_OK, "{}", last_error());
        assert_eq!(pbdb_free(db), PBDB_OK);
    }
    assert_eq!(count("SELECT COUNT(*) FROM bot_state"), 100);
    assert_eq!(
        count("SELECT COUNT(*) FROM bot_state WHERE health = 1"),
        100
    );
}
