//! What the C boundary adds to a call: `save_deferred`, a cached load and a load through
//! the completion queue timed from Rust directly (awaited inside the runtime, as an async
//! Rust game calls them), through the C ABI called from a plain Rust thread, and from C++
//! through the wrapper (`examples/cpp/boundary_bench.cpp`, built here with CMake), in the
//! same run on one embedded server; the p50s side by side, and the difference. Each side
//! makes CALLS of one call, then CALLS of the next, as a world tick makes them (every bot's
//! save, then the loads); with `interleaved`, the three calls for one bot, then the next
//! bot's (each call then follows a trip through the worker threads, on colder caches).
//!
//! `cargo run --release -p playerbot-db-ffi --example boundary_bench [-- CALLS [interleaved]]`

mod c_abi;
mod cpp;
mod rust_api;
mod times;

use std::ptr::null_mut;

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::Db;
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_ffi::*;

use c_abi::Loads;
use times::{Figures, Shape, Side};

const BOTS: u32 = 1000;

fn line(name: &str, figures: Figures) {
    println!(
        "  {name:<44} p50 {:>7} ns   p99 {:>8} ns",
        figures.p50, figures.p99
    );
}

fn lines(title: &str, side: Side, load: &str, queued: &str) {
    println!("{title}");
    line("save_deferred", side.save_deferred);
    line(load, side.load_cached);
    line(queued, side.load_queued);
}

fn compared(name: &str, rust: Figures, cpp: Figures) {
    let boundary = cpp.p50 as i128 - rust.p50 as i128;
    println!(
        "  {name:<36} {:>9} {:>9} {boundary:>+10}",
        rust.p50, cpp.p50
    );
}

/// A C handle on `url` with bots `1..=BOTS` saved, the schema migrated.
fn open_c(url: &str) -> *mut PbdbDb {
    let mut db = null_mut();
    let rows: Vec<PbdbBotState> = (1..=BOTS)
        .map(|bot_id| PbdbBotState {
            bot_id,
            level: 80,
            health: 1000,
            ..PbdbBotState::default()
        })
        .collect();
    // SAFETY: the URL, rows and outs live through each call.
    unsafe {
        assert_eq!(
            pbdb_open(url.as_ptr().cast(), url.len(), std::ptr::null(), &mut db),
            PBDB_OK
        );
        assert_eq!(pbdb_migrate(db, null_mut()), PBDB_OK);
        assert_eq!(
            pbdb_bot_state_save_all(db, rows.as_ptr(), rows.len()),
            PBDB_OK
        );
    }
    db
}

fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let shape = match std::env::args().nth(2).as_deref() {
        None | Some("phased") => Shape::Phased,
        Some("interleaved") => Shape::Interleaved,
        Some(other) => panic!("{other:?}: the calls' order is `phased` or `interleaved`"),
    };
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

    let db = open_c(&url);
    let c_new = c_abi::pass(db, calls, BOTS, shape, Loads::NewResult).side();
    let c_reused = c_abi::pass(db, calls, BOTS, shape, Loads::ReusedResult).side();
    // SAFETY: the handle from pbdb_open, freed once.
    unsafe { pbdb_free(db) };

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
    let rust = rust_api::pass(&runtime, &rust_db, calls, BOTS, shape).side();
    runtime.block_on(rust_db.close());

    let cpp = cpp::run_cpp(&url, calls, BOTS, shape);

    println!(
        "{calls} calls of each, {} order, {BOTS} bots, every load answered without the server",
        shape.word()
    );
    println!();
    println!(
        "  {:<36} {:>9} {:>9} {:>10}",
        "p50 in ns", "Rust", "C++", "boundary"
    );
    compared("save_deferred", rust.save_deferred, cpp.save_deferred);
    compared(
        "load (cached; C++ reusing a Result)",
        rust.load_cached,
        cpp.load_cached,
    );
    compared(
        "load through the completion queue",
        rust.load_queued,
        cpp.load_queued,
    );
    println!();
    lines(
        "Rust, awaited on the runtime:",
        rust,
        "load (cached)",
        "spawned load + join",
    );
    lines(
        "The C ABI called from a Rust thread, a new result per load:",
        c_new,
        "load + get + free",
        "load_async + poll until done",
    );
    lines(
        "The C ABI called from a Rust thread, one result reused:",
        c_reused,
        "load_into + get",
        "load_async + poll until done",
    );
    lines(
        "C++ through the wrapper (examples/cpp/boundary_bench.cpp), one Result reused:",
        cpp,
        "load_bot_state(id, result)",
        "load_bot_state_async + poll until done",
    );
}
