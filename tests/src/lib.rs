//! The harness every integration test uses: a real server and a database of its own.
//!
//! The server is the one `PLAYERBOT_DB_URL` names, or else one embedded server per test
//! process, started on first use. There is no fallback: a test whose server cannot be had
//! fails and says what to install.

use std::sync::atomic::{AtomicU32, Ordering};

use playerbot_db::cluster::Topology;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{self, Conn};
use playerbot_db::DbUrl;
use playerbot_db::{Db, DbBuilder};
use playerbot_db_embedded::connect_opts;
use playerbot_db_embedded::EmbeddedServer;
use tokio::sync::OnceCell;

// What `playerbot-db entity` prints for the tables of `adopted_ddl`, byte for byte (a test
// compares), so left as printed.
#[rustfmt::skip]
pub mod adopted;
pub mod adopted_ddl;
pub mod entities;
pub mod fixtures;
pub mod galera;
pub mod rng;
pub mod round_trip;
pub mod servers;

/// For each named test body (`async fn body(test: TestDb)`), a module with two tests running
/// it unchanged: `one_server` on [`TestDb::new`], `two_shards` on [`TestDb::two_shards`].
#[macro_export]
macro_rules! on_one_server_and_two_shards {
    ($($body:ident: $label:literal),* $(,)?) => {$(
        mod $body {
            use $crate::TestDb;

            #[tokio::test]
            async fn one_server() {
                super::$body(TestDb::new($label).await).await;
            }

            #[tokio::test]
            async fn two_shards() {
                super::$body(TestDb::two_shards($label).await).await;
            }
        }
    )*};
}

/// The README's examples, run as doctests here, where an embedded server is at hand.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Names a running server to test against instead of an embedded one.
pub const URL_ENV: &str = "PLAYERBOT_DB_URL";

enum Server {
    External(String),
    Embedded(EmbeddedServer),
}

static SERVER: OnceCell<Server> = OnceCell::const_new();

/// The URL of the server under test, without a database. The first call starts the
/// embedded server when `PLAYERBOT_DB_URL` names none.
pub async fn server_url() -> String {
    let server = SERVER
        .get_or_init(|| async {
            match std::env::var(URL_ENV) {
                Ok(url) if !url.is_empty() => Server::External(url),
                _ => match EmbeddedServer::start().await {
                    Ok(server) => Server::Embedded(server),
                    Err(err) => panic!(
                        "the tests need a MariaDB or MySQL server and none could be started: {err}"
                    ),
                },
            }
        })
        .await;
    match server {
        Server::External(url) => url.clone(),
        Server::Embedded(server) => server.url(),
    }
}

/// A database created for one test and dropped when the value is dropped, even when the test
/// panics.
#[derive(Debug)]
pub struct TestDb {
    name: String,
    server_url: String,
    /// The second shard's database, for a test run on two shards.
    second: Option<Box<TestDb>>,
}

/// Where [`TestDb::two_shards`] splits bot ids: below it on the first shard's database, the
/// rest on the second's.
pub const SHARD_SPLIT: u64 = 5;

impl TestDb {
    /// Creates a fresh, empty database named after `test`.
    pub async fn new(test: &str) -> TestDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let server_url = server_url().await;
        let mut slug: String = test
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        slug.truncate(40);
        let name = format!(
            "t_{slug}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = connect(&server_url, None).await;
        admin
            .query_drop(format!(
                "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ))
            .await
            .unwrap_or_else(|err| panic!("creating test database {name}: {err}"));
        admin.disconnect().await.ok();
        TestDb {
            name,
            server_url,
            second: None,
        }
    }

    /// Like [`TestDb::new`], with a second database beside it: every `Db` made from it is a
    /// cluster of two shards (bot ids below [`SHARD_SPLIT`] on this database, the rest on the
    /// second), so one test body runs on one server and on shards alike.
    pub async fn two_shards(test: &str) -> TestDb {
        let mut first = TestDb::new(test).await;
        first.second = Some(Box::new(TestDb::new(&format!("{test}_s1")).await));
        first
    }

    /// A builder for this database, or for the two shards of [`TestDb::two_shards`].
    fn builder(&self) -> DbBuilder {
        match &self.second {
            None => Db::builder(self.url()),
            Some(second) => Db::cluster(
                Topology::default()
                    .shard(0..SHARD_SPLIT, self.url(), Vec::<String>::new())
                    .shard(SHARD_SPLIT..u64::MAX, second.url(), Vec::<String>::new()),
            ),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A URL that selects this database.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server_url.trim_end_matches('/'), self.name)
    }

    /// A [`Db`] on this database with every example entity registered and its tables created.
    pub async fn db(&self) -> Db {
        self.db_with(|builder| builder).await
    }

    /// Like [`TestDb::db`], with the builder adjusted by `configure` first.
    pub async fn db_with(&self, configure: impl FnOnce(DbBuilder) -> DbBuilder) -> Db {
        let builder = self
            .builder()
            .register_bot_schema()
            .register::<entities::AllTypes>()
            .register::<entities::KnownSpell>()
            .register::<entities::BotAccount>()
            .register::<entities::ItemInstance>();
        let db = configure(builder)
            .build()
            .await
            .unwrap_or_else(|err| panic!("opening a Db on {}: {err}", self.name));
        db.create_tables().await.expect("create tables");
        db
    }

    /// A [`Db`] on this database with only the entities `configure` registers, and no table
    /// created (for tests of tables made another way, or of missing ones).
    pub async fn bare_db(&self, configure: impl FnOnce(DbBuilder) -> DbBuilder) -> Db {
        configure(self.builder())
            .build()
            .await
            .unwrap_or_else(|err| panic!("opening a Db on {}: {err}", self.name))
    }

    /// A new connection with the session setup applied and this database selected.
    pub async fn conn(&self) -> Conn {
        connect(&self.server_url, Some(&self.name)).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (url, name) = (self.server_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with its
        // own small runtime can.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = Conn::new(connect_opts(&url, None).map_err(std::io::Error::other)?)
                    .await
                    .map_err(std::io::Error::other)?;
                conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
                    .await
                    .map_err(std::io::Error::other)?;
                conn.disconnect().await.map_err(std::io::Error::other)
            })
        })
        .join();
        if !std::thread::panicking() {
            if let Ok(Err(err)) = dropped {
                panic!("dropping test database {}: {err}", self.name);
            }
        }
    }
}

async fn connect(url: &str, database: Option<&str>) -> Conn {
    let opts = connect_opts(url, database)
        .unwrap_or_else(|err| panic!("bad server URL {}: {err}", DbUrl::new(url).redacted()));
    Conn::new(opts)
        .await
        .unwrap_or_else(|err: mysql_async::Error| {
            panic!(
                "connecting to the test server at {}: {err}",
                DbUrl::new(url).redacted()
            )
        })
}

/// A `game` database on a private server (one a test stops, kills or restarts), with
/// `BotState` and `BotEvent` registered, the builder adjusted by `configure`, and the tables
/// created.
pub async fn private_game_db(
    server: &EmbeddedServer,
    configure: impl FnOnce(DbBuilder) -> DbBuilder,
) -> Db {
    let mut setup = connect(&server.url(), None).await;
    setup
        .query_drop("CREATE DATABASE IF NOT EXISTS game")
        .await
        .unwrap_or_else(|err| panic!("creating database game: {err}"));
    setup.disconnect().await.ok();
    let builder = Db::builder(format!("{}game", server.url()))
        .register::<playerbot_db::bots::BotState>()
        .register::<playerbot_db::bots::BotEvent>();
    let db = configure(builder)
        .build()
        .await
        .unwrap_or_else(|err| panic!("opening a Db on the private server: {err}"));
    db.create_tables().await.expect("create tables");
    db
}

/// Runs `sql` on a pooled connection and returns its single number (a count, an id).
pub async fn query_number(db: &Db, sql: &str) -> u64 {
    use playerbot_db::mysql_async::prelude::Queryable;
    let mut conn = db.conn().await.expect("pooled connection");
    let value: Option<u64> = conn
        .query_first(sql)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
    value.unwrap_or_else(|| panic!("{sql} returned no row"))
}

/// Creates the ten tables of [`adopted_ddl::ADOPTED_TABLES`] from their DDL and fills them.
pub async fn create_adopted_tables(conn: &mut Conn) {
    conn.query_drop(adopted_ddl::DIGITS)
        .await
        .expect("the digits view");
    for (table, ddl, seed) in adopted_ddl::ADOPTED_TABLES {
        conn.query_drop(ddl)
            .await
            .unwrap_or_else(|err| panic!("creating {table}: {err}"));
        conn.query_drop(seed)
            .await
            .unwrap_or_else(|err| panic!("filling {table}: {err}"));
    }
}
