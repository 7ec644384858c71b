//! The harness of the FFI tests: a real server (the one `PLAYERBOT_DB_URL` names, or one
//! embedded server per test binary, started on first use), a database of its own per test,
//! and raw SQL to check what the calls left in it. Tests call the C ABI from plain threads,
//! as a C++ program would, so the harness keeps its own runtimes to itself.
#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{self, Conn};
use playerbot_db_embedded::{connect_opts, EmbeddedServer};
use playerbot_db_ffi::*;

/// Names a running server to test against instead of an embedded one.
pub const URL_ENV: &str = "PLAYERBOT_DB_URL";

/// The server's URL, without a database; the first call starts the embedded server.
pub fn server_url() -> String {
    // The runtime the embedded server was started on stays with it: the static is never
    // dropped, and the server's reaper process removes it when this process ends.
    static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
    static EMBEDDED: OnceLock<(tokio::runtime::Runtime, EmbeddedServer)> = OnceLock::new();
    let url = SERVER.get_or_init(|| match std::env::var(URL_ENV) {
        Ok(url) if !url.is_empty() => Ok(url),
        _ => {
            let runtime = small_runtime();
            match runtime.block_on(EmbeddedServer::start()) {
                Ok(server) => {
                    let url = server.url();
                    let _ = EMBEDDED.set((runtime, server));
                    Ok(url)
                }
                Err(err) => Err(err.to_string()),
            }
        }
    });
    match url {
        Ok(url) => url.clone(),
        Err(err) => panic!(
            "the FFI tests need a MariaDB or MySQL server and none could be started \
             (apt-get install -y mariadb-server): {err}"
        ),
    }
}

pub fn small_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
}

/// Work on a connection, as `with_conn` takes it.
pub type ConnWork<'c, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, mysql_async::Error>> + 'c>>;

/// Runs `work` on a fresh connection to `database` (None: no database selected) of the
/// server under test.
pub fn with_conn<T>(
    database: Option<&str>,
    work: impl for<'c> FnOnce(&'c mut Conn) -> ConnWork<'c, T>,
) -> T {
    with_conn_at(&server_url(), database, work)
}

/// Runs `work` on a fresh connection to `database` of the server at `url`.
pub fn with_conn_at<T>(
    url: &str,
    database: Option<&str>,
    work: impl for<'c> FnOnce(&'c mut Conn) -> ConnWork<'c, T>,
) -> T {
    small_runtime().block_on(async {
        let opts = connect_opts(url, database).expect("the server URL parses");
        let mut conn = Conn::new(opts)
            .await
            .expect("connecting to the test server");
        let result = work(&mut conn).await.expect("the harness's SQL");
        conn.disconnect().await.ok();
        result
    })
}

/// A database created for one test, dropped when the value is (even after a panic).
#[derive(Debug)]
pub struct TestDatabase {
    pub name: String,
}

impl TestDatabase {
    pub fn new(test: &str) -> TestDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "ffi_{test}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let create = format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        with_conn(None, |conn| Box::pin(conn.query_drop(create)));
        TestDatabase { name }
    }

    /// A URL that selects this database.
    pub fn url(&self) -> String {
        format!("{}/{}", server_url().trim_end_matches('/'), self.name)
    }

    /// The single number `sql` answers, in this database.
    pub fn count(&self, sql: &str) -> u64 {
        let sql = sql.to_owned();
        let found: Option<u64> =
            with_conn(Some(&self.name), |conn| Box::pin(conn.query_first(sql)));
        found.expect("the query answers one row")
    }

    /// Opens a handle on this database with `options` (defaults when None), and applies the
    /// built-in migrations.
    pub fn open(&self, options: Option<PbdbOptions>) -> Handle {
        let url = self.url();
        let mut db = std::ptr::null_mut();
        let options_ptr = options
            .as_ref()
            .map_or(std::ptr::null(), |o| o as *const PbdbOptions);
        // SAFETY: url is url.len() bytes; the options (if any) live through the call; db is
        // a writable pointer.
        let status = unsafe { pbdb_open(url.as_ptr().cast(), url.len(), options_ptr, &mut db) };
        assert_eq!(status, PBDB_OK, "pbdb_open: {}", last_error());
        // SAFETY: a live handle.
        let status = unsafe { pbdb_migrate(db, std::ptr::null_mut()) };
        assert_eq!(status, PBDB_OK, "pbdb_migrate: {}", last_error());
        Handle(db)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS `{}`", self.name);
        let name = self.name.clone();
        let dropped = std::panic::catch_unwind(|| {
            with_conn(None, |conn| Box::pin(conn.query_drop(drop)));
        });
        if dropped.is_err() && !std::thread::panicking() {
            panic!("dropping test database {name}");
        }
    }
}

/// A handle freed when dropped (closing it first if the test did not).
#[derive(Debug)]
pub struct Handle(pub *mut PbdbDb);

// SAFETY: a PbdbDb is usable from any thread (the ABI's promise, which these tests check).
unsafe impl Send for Handle {}
// SAFETY: as above, from several threads at once.
unsafe impl Sync for Handle {}

impl Handle {
    pub fn ptr(&self) -> *const PbdbDb {
        self.0
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: a handle from pbdb_open, freed only here.
        unsafe { pbdb_free(self.0) };
    }
}

/// Default options with `change` applied.
pub fn options(change: impl FnOnce(&mut PbdbOptions)) -> PbdbOptions {
    let mut options = std::mem::MaybeUninit::<PbdbOptions>::uninit();
    // SAFETY: a writable PbdbOptions.
    let status = unsafe { pbdb_options_init(options.as_mut_ptr()) };
    assert_eq!(status, PBDB_OK);
    // SAFETY: pbdb_options_init filled it.
    let mut options = unsafe { options.assume_init() };
    change(&mut options);
    options
}

/// This thread's last message.
pub fn last_error() -> String {
    // SAFETY: a NUL-terminated string valid until this thread's next call.
    unsafe { std::ffi::CStr::from_ptr(pbdb_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// A `PbdbStr` over `text`.
pub fn s(text: &str) -> PbdbStr {
    PbdbStr {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

/// The text a result's `PbdbStr` points at.
pub fn text(view: PbdbStr) -> Option<String> {
    if view.ptr.is_null() {
        return None;
    }
    // SAFETY: a view into a live result, `len` bytes of UTF-8.
    let bytes = unsafe { std::slice::from_raw_parts(view.ptr.cast::<u8>(), view.len) };
    Some(String::from_utf8(bytes.to_vec()).expect("UTF-8"))
}

/// A bot state with every field derived from `bot_id`.
pub fn state(bot_id: u32) -> PbdbBotState {
    PbdbBotState {
        bot_id,
        map_id: 571,
        zone_id: 4395 + bot_id,
        x: 1.5 * bot_id as f32,
        y: -2.25,
        z: 100.0,
        orientation: 3.0,
        health: 1000 + bot_id,
        mana: 500,
        level: 80,
        flags: 7,
        updated_at: 1_700_000_000_000 + i64::from(bot_id),
    }
}

/// Polls `db` until completions for `count` calls have come back; they are returned in the
/// order they came. Bounded by a number of polls, not by a time: each poll waits a little.
pub fn poll_all(db: *const PbdbDb, count: usize) -> Vec<PbdbCompletion> {
    let mut done = Vec::new();
    let empty = PbdbCompletion {
        token: 0,
        status: 0,
        result: std::ptr::null_mut(),
        message: [0; PBDB_MESSAGE_CAPACITY],
    };
    for _ in 0..10_000 {
        let mut batch = vec![empty; 64];
        let mut got = 0usize;
        // SAFETY: 64 writable completions and a writable count.
        let status = unsafe { pbdb_poll(db, batch.as_mut_ptr(), batch.len(), &mut got) };
        assert_eq!(status, PBDB_OK, "pbdb_poll: {}", last_error());
        done.extend_from_slice(&batch[..got]);
        if done.len() >= count {
            return done;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("only {} of {count} completions came back", done.len());
}
