//! Refused logins and databases are permanent connect errors that keep the server's code;
//! a statement refused for one table leaves the pool alone; passwords never print, whatever
//! their characters; URL parameters cannot weaken TLS; two types over one table each run
//! their own statements; an unregistered entity is a clear error on every call.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::{BotEntity, Db, DbBuilder, DbConfig, DbUrl, Error, ErrorKind};
use playerbot_db_embedded::connect_opts;
use playerbot_db_tests::entities::AllTypes;
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::{server_url, TestDb};

/// The hosts a test user is created for: the server matches a login by host, and a
/// connection over TCP to 127.0.0.1 may be seen as `localhost` or `127.0.0.1`.
const HOSTS: [&str; 3] = ["%", "localhost", "127.0.0.1"];

/// `host:port` of the server under test.
async fn server_address() -> String {
    let url = server_url().await;
    let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_owned()
}

/// A login created for one test and dropped with the value, even when the test panics.
struct TempUser {
    name: String,
}

impl TempUser {
    async fn create(test: &TestDb, tag: &str, password: &str, grant: &str) -> TempUser {
        let name = format!("pw_{}_{tag}", std::process::id());
        let mut admin = test.conn().await;
        for host in HOSTS {
            for sql in [
                format!("DROP USER IF EXISTS '{name}'@'{host}'"),
                format!("CREATE USER '{name}'@'{host}' IDENTIFIED BY '{password}'"),
                format!("GRANT {grant} TO '{name}'@'{host}'"),
            ] {
                admin
                    .query_drop(&sql)
                    .await
                    .unwrap_or_else(|err| panic!("{sql}: {err}"));
            }
        }
        admin.disconnect().await.ok();
        TempUser { name }
    }

    /// A URL logging in as this user; `password` goes into the URL as given.
    async fn url(&self, password: &str, database: &str) -> String {
        format!(
            "mysql://{}:{password}@{}/{database}",
            self.name,
            server_address().await
        )
    }
}

impl Drop for TempUser {
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let opts = connect_opts(&server_url().await, None).map_err(io::Error::other)?;
                let mut conn = Conn::new(opts).await.map_err(io::Error::other)?;
                for host in HOSTS {
                    conn.query_drop(format!("DROP USER IF EXISTS '{name}'@'{host}'"))
                        .await
                        .map_err(io::Error::other)?;
                }
                conn.disconnect().await.map_err(io::Error::other)
            })
        })
        .join();
        if !std::thread::panicking() {
            if let Ok(Err(err)) = dropped {
                panic!("dropping test user {}: {err}", self.name);
            }
        }
    }
}

/// Log output, shared between the subscriber and the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Builds with every log line of this thread captured (the test runtime runs the pool's
/// tasks on this thread too); the lines come back with the result.
async fn build_capturing_logs(builder: DbBuilder) -> (Result<Db, Error>, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let result = builder.build().await;
    drop(guard);
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    (result, logs)
}

/// Records in `leaks` every secret that `printed` shows.
fn check_hidden(leaks: &mut Vec<String>, what: &str, printed: &str, secrets: &[&str]) {
    for secret in secrets {
        if printed.contains(secret) {
            leaks.push(format!("{what} shows {secret:?}: {printed}"));
        }
    }
}

fn connect_code(err: &Error) -> Option<u16> {
    match err {
        Error::Connect(connect) => connect.code,
        other => panic!("expected a connect error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_password_is_permanent_and_keeps_the_server_code() {
    let test = TestDb::new("wrong_password").await;
    let grant = format!("ALL ON `{}`.*", test.name());
    let user = TempUser::create(&test, "wrong", "right", &grant).await;

    let err = Db::builder(user.url("wrong", test.name()).await)
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectRejected, "{err}");
    assert!(!err.is_retryable(), "{err}");
    assert!(!err.is_connection_lost(), "{err}");
    assert!(
        matches!(&err, Error::Connect(c) if c.code == Some(1045)),
        "{err:?}"
    );

    // The user exists and the right password gets in: it was the password that was refused.
    let db = Db::builder(user.url("right", test.name()).await)
        .build()
        .await
        .unwrap();
    db.close().await;
}

#[tokio::test]
async fn an_unknown_database_is_permanent() {
    let _test = TestDb::new("unknown_database").await;
    let url = format!(
        "{}/no_such_database_{}",
        server_url().await.trim_end_matches('/'),
        std::process::id()
    );
    let err = Db::builder(url).build().await.unwrap_err();
    assert_eq!(connect_code(&err), Some(1049), "{err}");
    assert_eq!(err.kind(), ErrorKind::ConnectRejected, "{err}");
    assert!(!err.is_retryable() && !err.is_connection_lost(), "{err}");
}

#[tokio::test]
async fn a_statement_refused_for_one_table_does_not_fail_the_pool() {
    let test = TestDb::new("one_table_refused").await;
    // Every example table, created as root.
    test.db().await.close().await;
    let grant = format!(
        "SELECT, INSERT, UPDATE, DELETE ON `{}`.`bot_state`",
        test.name()
    );
    let user = TempUser::create(&test, "one_table", "right", &grant).await;

    let db = Db::builder(user.url("right", test.name()).await)
        .register::<BotState>()
        .register::<AllTypes>()
        .build()
        .await
        .expect("a statement the server refuses does not fail the connection");
    db.save(&bot_state(1)).await.unwrap();
    assert_eq!(db.load::<BotState>(&1).await.unwrap(), Some(bot_state(1)));

    let err = db.save(&AllTypes::sample(1)).await.unwrap_err();
    assert_eq!(err.server_code(), Some(1142), "table access denied: {err}");
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert!(!err.is_connection_lost() && !err.is_retryable(), "{err}");
    let err = db.load::<AllTypes>(&1).await.unwrap_err();
    assert_eq!(err.server_code(), Some(1142), "table access denied: {err}");
    assert!(!err.is_connection_lost(), "{err}");

    assert_eq!(db.stats().connect_failures, 0, "{:?}", db.stats());
    let changed = BotState {
        health: 7,
        ..bot_state(1)
    };
    db.save(&changed).await.unwrap();
    assert_eq!(db.load::<BotState>(&1).await.unwrap(), Some(changed));
    assert_eq!(db.stats().connect_failures, 0, "{:?}", db.stats());
}

/// Found from outside: a parameter the driver does not know (names match by case) or a value
/// typed into another parameter was printed whole, secret and all.
#[tokio::test]
async fn query_values_never_print_unless_known_to_be_harmless() {
    let address = server_address().await;
    let mut leaks = Vec::new();
    for query in [
        "PASSWORD=Zq9Secret",
        "pool_min=xZq9Secret",
        "pool_max=10&Zq9Secret",
        "verify_ca=Zq9Secret",
    ] {
        let url = format!("mysql://root@{address}/probe?{query}");
        let builder = Db::builder(url.as_str()).connect_timeout(Duration::from_millis(500));
        let (result, logs) = build_capturing_logs(builder).await;
        let err = result.expect_err(&url);
        assert_eq!(err.kind(), ErrorKind::Config, "{url}: {err}");
        let secrets = ["Zq9Secret"];
        for (what, printed) in [
            ("error", err.to_string()),
            ("error Debug", format!("{err:?}")),
            (
                "DbConfig Debug",
                format!("{:?}", DbConfig::new(url.as_str())),
            ),
            ("DbUrl", DbUrl::new(url.as_str()).redacted()),
        ] {
            check_hidden(&mut leaks, &format!("{url}: {what}"), &printed, &secrets);
        }
        for line in logs.lines() {
            check_hidden(&mut leaks, &format!("{url}: log"), line, &secrets);
        }
    }
    assert!(leaks.is_empty(), "secrets printed:\n{}", leaks.join("\n"));
}

#[tokio::test]
async fn passwords_never_print_whatever_their_characters() {
    let _test = TestDb::new("odd_passwords").await;
    let address = server_address().await;
    let mut leaks = Vec::new();
    // (the password as written in the URL, the password it means, whether the URL parses
    // and so reaches the server, where `bot2` does not exist). Each prefix and the common
    // suffix are checked on their own too, so half a password showing is caught.
    let cases = [
        ("Sl4sh/Secr3t", "Sl4sh/Secr3t", "Sl4sh", false),
        ("Ha5h#Secr3t", "Ha5h#Secr3t", "Ha5h", false),
        ("Qu3ry?Secr3t", "Qu3ry?Secr3t", "Qu3ry", false),
        ("At7a@Secr3t", "At7a@Secr3t", "At7a", true),
        ("Col0n:Secr3t", "Col0n:Secr3t", "Col0n", true),
        ("Pe7c%Secr3t", "Pe7c%Secr3t", "Pe7c", true),
        ("En7c%40Secr3t", "En7c@Secr3t", "En7c", true),
    ];
    for (written, meant, prefix, reaches_server) in cases {
        let url = format!("mysql://bot2:{written}@{address}/game");
        let secrets = [written, meant, prefix, "Secr3t"];
        let builder = Db::builder(url.as_str())
            .connect_timeout(Duration::from_millis(500))
            .checkout_timeout(Duration::from_secs(1));
        let (result, logs) = build_capturing_logs(builder).await;
        let err = result.expect_err(&url);
        if reaches_server {
            assert_eq!(connect_code(&err), Some(1045), "{url}: {err}");
            assert!(!logs.is_empty(), "{url}: the failed connect is logged");
        } else {
            assert_eq!(err.kind(), ErrorKind::Config, "{url}: {err}");
        }
        check_hidden(
            &mut leaks,
            &format!("{url}: error"),
            &err.to_string(),
            &secrets,
        );
        check_hidden(
            &mut leaks,
            &format!("{url}: error Debug"),
            &format!("{err:?}"),
            &secrets,
        );
        check_hidden(
            &mut leaks,
            &format!("{url}: DbConfig Debug"),
            &format!("{:?}", DbConfig::new(url.as_str())),
            &secrets,
        );
        check_hidden(
            &mut leaks,
            &format!("{url}: DbUrl"),
            &DbUrl::new(url.as_str()).to_string(),
            &secrets,
        );
        check_hidden(
            &mut leaks,
            &format!("{url}: DbUrl Debug"),
            &format!("{:?}", DbUrl::new(url.as_str())),
            &secrets,
        );
        for line in logs.lines() {
            check_hidden(&mut leaks, &format!("{url}: log"), line, &secrets);
        }
    }

    // A real login whose password holds URL delimiters, percent-encoded in the URL.
    let test = TestDb::new("odd_password_login").await;
    let grant = format!("ALL ON `{}`.*", test.name());
    let user = TempUser::create(&test, "odd_pw", "p@ss/w#rd", &grant).await;
    let secrets = ["p@ss/w#rd", "p%40ss%2Fw%23rd"];
    let (result, logs) =
        build_capturing_logs(Db::builder(user.url("p%40ss%2Fw%23rd", test.name()).await)).await;
    let db = result.expect("the encoded password logs in");
    for line in logs.lines() {
        check_hidden(&mut leaks, "log while building", line, &secrets);
    }
    check_hidden(&mut leaks, "Db Debug", &format!("{db:?}"), &secrets);
    check_hidden(
        &mut leaks,
        "DbConfig Debug",
        &format!("{:?}", db.config()),
        &secrets,
    );
    let conn = db.conn().await.unwrap();
    check_hidden(
        &mut leaks,
        "PooledConn Debug",
        &format!("{conn:?}"),
        &secrets,
    );
    drop(conn);
    let tx = db.begin().await.unwrap();
    check_hidden(
        &mut leaks,
        "Transaction Debug",
        &format!("{tx:?}"),
        &secrets,
    );
    tx.rollback().await.unwrap();
    db.close().await;

    assert!(leaks.is_empty(), "passwords printed:\n{}", leaks.join("\n"));
}

#[tokio::test]
async fn tls_cannot_be_weakened_by_url_parameters() {
    let test = TestDb::new("tls_weakened").await;
    for (params, named) in [
        ("verify_ca=false", &["verify_ca=false"][..]),
        ("verify_identity=false", &["verify_identity=false"]),
        (
            "verify_ca=false&verify_identity=false",
            &["verify_ca=false", "verify_identity=false"],
        ),
    ] {
        let url = format!("{}?{params}", test.url());
        // With TLS asked for in code or not: a URL may not turn the checks off.
        for tls in [false, true] {
            let err = Db::builder(url.as_str())
                .tls(tls)
                .build()
                .await
                .unwrap_err();
            let Error::WeakenedTls { params: found, .. } = &err else {
                panic!("{url}, tls({tls}): expected a refusal of weakened TLS, got {err:?}");
            };
            assert_eq!(found.len(), named.len(), "{found:?}");
            let message = err.to_string();
            assert!(message.contains("TLS"), "{message}");
            for param in named {
                assert!(message.contains(param), "{message} names {param}");
            }
        }
        // The builder call named for tests lets it (no TLS is asked for here at all).
        let db = Db::builder(url.as_str())
            .dangerously_accept_unverified_tls_for_tests()
            .build()
            .await
            .unwrap_or_else(|err| panic!("{url} for tests: {err}"));
        assert!(db.stats().tls_unverified);
        db.close().await;
    }
}

#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "shared_row")]
struct Wide {
    #[bot(key)]
    id: u32,
    a: u32,
    b: u32,
}

/// Some of `Wide`'s columns, read from the same table.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "shared_row")]
struct Narrow {
    #[bot(key)]
    id: u32,
    a: u32,
}

fn wide(id: u32) -> Wide {
    Wide {
        id,
        a: id * 10,
        b: id * 100,
    }
}

#[tokio::test]
async fn two_types_over_one_table_each_run_their_own_statements() {
    let test = TestDb::new("two_types_one_table").await;
    let db = test
        .bare_db(|b| b.register::<Wide>().register::<Narrow>())
        .await;
    db.create_tables().await.unwrap();
    for id in 1..=3 {
        db.save(&wide(id)).await.unwrap();
    }

    assert_eq!(
        db.load_many::<Narrow>(&[3, 1, 9, 2]).await.unwrap(),
        vec![
            Some(Narrow { id: 3, a: 30 }),
            Some(Narrow { id: 1, a: 10 }),
            None,
            Some(Narrow { id: 2, a: 20 }),
        ]
    );
    assert!(db.exists::<Narrow>(&2).await.unwrap());
    assert!(!db.exists::<Narrow>(&9).await.unwrap());
    assert_eq!(
        db.load::<Narrow>(&3).await.unwrap(),
        Some(Narrow { id: 3, a: 30 })
    );

    assert_eq!(
        db.load_many::<Wide>(&[1, 2, 3]).await.unwrap(),
        vec![Some(wide(1)), Some(wide(2)), Some(wide(3))]
    );
    assert_eq!(db.load::<Wide>(&2).await.unwrap(), Some(wide(2)));
    assert!(db.exists::<Wide>(&1).await.unwrap());
}

fn assert_not_registered(call: &str, err: Error) {
    assert!(
        matches!(err, Error::NotRegistered { entity: "AllTypes" }),
        "{call}: {err:?}"
    );
    assert!(
        err.to_string().contains(".register::<AllTypes>()"),
        "{call}: {err}"
    );
    assert_eq!(err.kind(), ErrorKind::Config, "{call}: {err}");
}

#[tokio::test]
async fn an_unregistered_entity_is_a_clear_error() {
    let test = TestDb::new("unregistered_entity").await;
    let db = test.bare_db(|b| b.register::<BotState>()).await;
    db.create_tables().await.unwrap();
    let row = AllTypes::sample(1);

    assert_not_registered("save", db.save(&row).await.unwrap_err());
    assert_not_registered("load", db.load::<AllTypes>(&1).await.unwrap_err());
    assert_not_registered(
        "load_many",
        db.load_many::<AllTypes>(&[1, 2]).await.unwrap_err(),
    );
    assert_not_registered("exists", db.exists::<AllTypes>(&1).await.unwrap_err());
    assert_not_registered("delete", db.delete::<AllTypes>(&1).await.unwrap_err());
    assert_not_registered(
        "save_all",
        db.save_all(std::slice::from_ref(&row)).await.unwrap_err(),
    );

    let mut batch = db.batch();
    batch.save(&bot_state(1)).save(&row);
    assert_not_registered("transaction commit", batch.commit().await.unwrap_err());
    assert_eq!(
        db.load::<BotState>(&1).await.unwrap(),
        None,
        "nothing of the batch was applied"
    );

    // The registered entity is unaffected.
    db.save(&bot_state(1)).await.unwrap();
    assert_eq!(db.load::<BotState>(&1).await.unwrap(), Some(bot_state(1)));
}

/// Error text a person reads says each thing once (found from outside: "Input/output error:
/// Input/output error: Connection refused (os error 111)").
#[tokio::test]
async fn connect_failures_say_each_thing_once() {
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Db::builder(format!("mysql://root@127.0.0.1:{port}/game"))
        .connect_timeout(Duration::from_millis(500))
        .build()
        .await
        .unwrap_err();
    let message = err.to_string();
    assert_eq!(
        message.matches("Input/output error").count(),
        0,
        "{message}"
    );
    assert!(message.contains("Connection refused"), "{message}");
    assert!(
        message.contains("is the server running"),
        "the hint: {message}"
    );

    // A refused login: the server's message once, its code once.
    let address = server_address().await;
    let err = Db::builder(format!("mysql://nobody_here:x@{address}/game"))
        .build()
        .await
        .unwrap_err();
    let message = err.to_string();
    assert_eq!(message.matches("1045").count(), 1, "{message}");
}
