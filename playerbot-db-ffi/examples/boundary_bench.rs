//! What the C boundary adds to a call: the same calls timed through the C ABI (called from a
//! plain thread, as a C++ world thread calls it; the machine code is the same as from C++)
//! and from Rust directly (awaited inside the runtime, as an async Rust game calls them),
//! in the same run on one embedded server.
//!
//! `cargo run --release -p playerbot-db-ffi --example boundary_bench [-- CALLS]`

use std::ptr::null_mut;
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::Db;
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_ffi::*;

const BOTS: u32 = 1000;

fn state(bot_id: u32) -> PbdbBotState {
    PbdbBotState {
        bot_id,
        level: 80,
        health: 1000,
        ..PbdbBotState::default()
    }
}

fn rust_state(bot_id: u32) -> BotState {
    BotState {
        bot_id,
        map_id: 0,
        zone_id: 0,
        x: 0.0,
        y: 0.0,
        z: 0.0,
        orientation: 0.0,
        health: 1000,
        mana: 0,
        level: 80,
        flags: 0,
        updated_at: 0,
    }
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize].as_nanos();
    println!("{name:<34} p50 {:>7} ns   p99 {:>8} ns", at(0.5), at(0.99));
}

fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let setup = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = setup
        .block_on(EmbeddedServer::start())
        .expect("an embedded server");
    setup.block_on(async {
        let opts = playerbot_db_embedded::connect_opts(&server.url(), None).expect("url");
        let mut conn = playerbot_db::mysql_async::Conn::new(opts)
            .await
            .expect("connect");
        conn.query_drop("CREATE DATABASE bench")
            .await
            .expect("create");
        conn.disconnect().await.ok();
    });
    let url = format!("{}bench", server.url());

    // The C side.
    let mut db = null_mut();
    // SAFETY: (the whole C side) the URL, rows, keys and outs live through each call; the
    // handle is freed once, at the end.
    unsafe {
        assert_eq!(
            pbdb_open(url.as_ptr().cast(), url.len(), std::ptr::null(), &mut db),
            PBDB_OK
        );
        assert_eq!(pbdb_migrate(db, null_mut()), PBDB_OK);
        let rows: Vec<PbdbBotState> = (1..=BOTS).map(state).collect();
        assert_eq!(
            pbdb_bot_state_save_all(db, rows.as_ptr(), rows.len()),
            PBDB_OK
        );
    }

    // The Rust side, on its own runtime and handle.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let rust_db = runtime.block_on(async {
        Db::builder(url.clone())
            .register_bot_schema()
            .build()
            .await
            .expect("open")
    });

    let mut c_save = Vec::with_capacity(calls);
    let mut c_load = Vec::with_capacity(calls);
    let mut c_async = Vec::with_capacity(calls);
    for i in 0..calls {
        let bot_id = 1 + (i as u32 % BOTS);
        let row = state(bot_id);
        let key = PbdbBotStateKey { bot_id };
        // SAFETY: as above.
        unsafe {
            let started = Instant::now();
            assert_eq!(pbdb_bot_state_save_deferred(db, &row), PBDB_OK);
            c_save.push(started.elapsed());

            let started = Instant::now();
            let mut result = null_mut();
            assert_eq!(pbdb_bot_state_load(db, &key, &mut result), PBDB_OK);
            let mut out = PbdbBotState::default();
            assert_eq!(pbdb_bot_state_get(result, 0, &mut out), PBDB_OK);
            pbdb_result_free(result);
            c_load.push(started.elapsed());

            let started = Instant::now();
            assert_eq!(pbdb_bot_state_load_async(db, &key, i as u64), PBDB_OK);
            let mut done = [PbdbCompletion {
                token: 0,
                status: 0,
                result: null_mut(),
                message: [0; PBDB_MESSAGE_CAPACITY],
            }];
            let mut got = 0;
            while got == 0 {
                assert_eq!(pbdb_poll(db, done.as_mut_ptr(), 1, &mut got), PBDB_OK);
            }
            c_async.push(started.elapsed());
            pbdb_result_free(done[0].result);
        }
    }

    let (r_save, r_load, r_spawn) = runtime.block_on(async {
        let (mut save, mut load, mut spawn) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..calls {
            let bot_id = 1 + (i as u32 % BOTS);
            let row = rust_state(bot_id);
            let started = Instant::now();
            rust_db.save_deferred(&row).await.expect("save");
            save.push(started.elapsed());

            let started = Instant::now();
            let loaded = rust_db.load::<BotState>(&bot_id).await.expect("load");
            assert!(loaded.is_some());
            load.push(started.elapsed());

            let started = Instant::now();
            let db = rust_db.clone();
            let task = tokio::spawn(async move { db.load::<BotState>(&bot_id).await });
            task.await.expect("task").expect("load");
            spawn.push(started.elapsed());
        }
        (save, load, spawn)
    });

    println!("{calls} calls each, {BOTS} bots, every load answered by the cache");
    report("C ABI  save_deferred", c_save);
    report("Rust   save_deferred (awaited)", r_save);
    report("C ABI  load (cached) + get + free", c_load);
    report("Rust   load (cached, awaited)", r_load);
    report("C ABI  load_async + poll", c_async);
    report("Rust   spawned load + join", r_spawn);

    runtime.block_on(rust_db.close());
    // SAFETY: the handle from pbdb_open, freed once.
    unsafe { pbdb_free(db) };
}
