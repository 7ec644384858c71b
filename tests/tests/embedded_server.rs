//! The embedded server: starts from the machine's binaries, runs side by side with others,
//! survives a kill with a restart, removes everything on drop, fails clearly without a
//! binary, is closed to other users, and can start a replica of itself.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Conn, OptsBuilder};
use playerbot_db_embedded::connect_opts;
use playerbot_db_embedded::{EmbeddedError, EmbeddedServer, ServerBinaries};

async fn connect(server: &EmbeddedServer) -> Conn {
    Conn::new(connect_opts(&server.url(), None).unwrap())
        .await
        .expect("connect to embedded server")
}

#[tokio::test]
async fn two_servers_run_side_by_side_and_clean_up_on_drop() {
    let first = EmbeddedServer::start().await.expect("first server");
    let second = EmbeddedServer::start().await.expect("second server");
    assert_ne!(first.port(), second.port());
    assert_ne!(first.data_dir(), second.data_dir());

    let mut a = connect(&first).await;
    let mut b = connect(&second).await;
    a.query_drop("CREATE DATABASE only_on_first").await.unwrap();
    let seen_on_second: Option<String> = b
        .query_first("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'only_on_first'")
        .await
        .unwrap();
    assert_eq!(seen_on_second, None, "servers must not share data");
    let charset: Option<String> = a
        .query_first("SELECT @@character_set_server")
        .await
        .unwrap();
    assert_eq!(charset.as_deref(), Some("utf8mb4"));
    a.disconnect().await.unwrap();
    b.disconnect().await.unwrap();

    let dir = first.data_dir();
    let root = dir.parent().unwrap().to_path_buf();
    assert!(dir.join("mysql").is_dir());
    drop(first);
    assert!(
        !root.exists(),
        "dropping the server removes {}",
        root.display()
    );
    drop(second);
}

#[tokio::test]
async fn killed_server_restarts_with_its_data() {
    let mut server = EmbeddedServer::start().await.expect("server");
    let mut conn = connect(&server).await;
    conn.query_drop("CREATE DATABASE survives_kill")
        .await
        .unwrap();
    drop(conn);

    server.kill();
    assert!(!server.is_running());
    let refused = Conn::new(connect_opts(&server.url(), None).unwrap()).await;
    assert!(refused.is_err(), "a killed server accepts no connections");

    server.restart().await.expect("restart");
    assert!(server.is_running());
    let mut conn = connect(&server).await;
    let name: Option<String> = conn
        .query_first("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'survives_kill'")
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("survives_kill"));
    conn.disconnect().await.unwrap();
}

#[test]
fn missing_server_binary_is_a_clear_error() {
    let nowhere = PathBuf::from("/nonexistent/playerbot-db/mariadbd");
    let err = ServerBinaries::locate_from(Some(nowhere)).expect_err("no binary there");
    assert!(matches!(err, EmbeddedError::NoServerBinary { .. }));
    let message = err.to_string();
    assert!(
        message.contains("apt-get install -y mariadb-server"),
        "{message}"
    );
    assert!(message.contains("PLAYERBOT_DB_URL"), "{message}");
}

/// The server error code of a failed connect or statement.
fn code(err: &playerbot_db::mysql_async::Error) -> Option<u16> {
    match err {
        playerbot_db::mysql_async::Error::Server(server) => Some(server.code),
        _ => None,
    }
}

#[tokio::test]
async fn root_needs_the_password_the_url_carries() {
    let server = EmbeddedServer::start().await.expect("server");
    let url = server.url();
    assert!(
        url.starts_with("mysql://root:") && url.matches(':').count() == 3,
        "the URL carries a password: {}",
        url.len()
    );
    let mut conn = connect(&server).await;
    let one: Option<u32> = conn.query_first("SELECT 1").await.unwrap();
    assert_eq!(one, Some(1));
    conn.disconnect().await.unwrap();

    let over_tcp = format!("mysql://root@127.0.0.1:{}/", server.port());
    let refused = Conn::new(connect_opts(&over_tcp, None).unwrap())
        .await
        .expect_err("root without a password over TCP");
    assert_eq!(code(&refused), Some(1045), "{refused}");
    let over_socket = OptsBuilder::default()
        .user(Some("root"))
        .socket(Some(server.socket_path().display().to_string()));
    let refused = Conn::new(over_socket)
        .await
        .expect_err("root without a password over the socket");
    assert_eq!(code(&refused), Some(1045), "{refused}");
    let accounts: Vec<String> = connect(&server)
        .await
        .query("SELECT CONCAT(User, '@', Host) FROM mysql.user WHERE User = 'root' ORDER BY Host")
        .await
        .unwrap();
    assert_eq!(accounts, ["root@127.0.0.1", "root@localhost"]);
}

#[tokio::test]
async fn files_are_read_and_written_only_in_its_own_directory() {
    let server = EmbeddedServer::start().await.expect("server");
    let mut conn = connect(&server).await;
    let outside = std::env::temp_dir().join(format!("outfile-{}.txt", std::process::id()));
    let refused = conn
        .query_drop(format!("SELECT 'x' INTO OUTFILE '{}'", outside.display()))
        .await
        .expect_err("writing outside the server's directory");
    assert_eq!(code(&refused), Some(1290), "{refused}");
    assert!(!outside.exists());
    let read: Option<Option<String>> = conn
        .query_first("SELECT LOAD_FILE('/etc/hostname')")
        .await
        .unwrap();
    assert_eq!(read, Some(None), "LOAD_FILE outside the server's directory");

    // Temporary tables stay in the server's own directory too.
    let tmpdir: Option<String> = conn.query_first("SELECT @@tmpdir").await.unwrap();
    let root = server.data_dir().parent().unwrap().to_path_buf();
    assert!(
        tmpdir
            .as_deref()
            .is_some_and(|dir| dir.starts_with(&*root.to_string_lossy())),
        "{tmpdir:?}"
    );

    let inside = server.files_dir().join("out.txt");
    conn.query_drop(format!("SELECT 'x' INTO OUTFILE '{}'", inside.display()))
        .await
        .expect("its own directory is usable");
    assert_eq!(std::fs::read_to_string(&inside).unwrap(), "x\n");
    conn.disconnect().await.unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn its_directory_data_and_socket_are_private() {
    let server = EmbeddedServer::start().await.expect("server");
    let root = server.data_dir().parent().unwrap().to_path_buf();
    for dir in [root.as_path(), &server.data_dir(), &server.files_dir()] {
        assert_eq!(mode(dir) & 0o077, 0, "{} is {:o}", dir.display(), mode(dir));
    }
    let base = root.parent().unwrap();
    assert_eq!(
        mode(base) & 0o077,
        0,
        "{} is {:o}",
        base.display(),
        mode(base)
    );
    let socket = server.socket_path();
    assert_eq!(mode(&socket), 0o600, "socket is {:o}", mode(&socket));

    // Another user (nobody) can reach none of it; only root can switch users to check.
    if std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout == b"0\n")
    {
        for path in [&server.data_dir(), &socket] {
            let seen = std::process::Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .args(["test", "-e"])
                .arg(path)
                .status()
                .expect("setpriv (util-linux) runs");
            assert!(!seen.success(), "user nobody can reach {}", path.display());
        }
    }

    // A restart keeps all of it private (the server makes a new socket).
    let mut server = server;
    server.kill();
    server.restart().await.expect("restart");
    assert_eq!(mode(&server.socket_path()), 0o600);
    connect(&server).await.disconnect().await.unwrap();
}

/// Polls `sql` (one number) on `server` until it returns `want` or 20 s pass.
async fn wait_for(server: &EmbeddedServer, sql: &str, want: Option<u64>) -> Option<u64> {
    let mut conn = connect(server).await;
    let started = Instant::now();
    loop {
        let got: Option<u64> = conn.query_first(sql).await.ok().flatten();
        if got == want || started.elapsed() > Duration::from_secs(20) {
            conn.disconnect().await.ok();
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_replica_receives_what_the_primary_writes() {
    let primary = EmbeddedServer::builder()
        .binary_log(true)
        .start()
        .await
        .expect("primary");
    let mut writer = connect(&primary).await;
    // Written before the replica exists: it starts from the beginning of the binary log.
    writer.query_drop("CREATE DATABASE game").await.unwrap();
    writer
        .query_drop("CREATE TABLE game.bot (id INT PRIMARY KEY, level INT NOT NULL) ENGINE=InnoDB")
        .await
        .unwrap();
    writer
        .query_drop("INSERT INTO game.bot VALUES (1, 10)")
        .await
        .unwrap();
    let replica = primary.start_replica().await.expect("replica");
    assert_ne!(replica.port(), primary.port());
    let level = "SELECT level FROM game.bot WHERE id = 1";
    // Applied by the time start_replica returns: read at once, without waiting.
    let mut first_look = connect(&replica).await;
    let found: Option<u64> = first_look.query_first(level).await.unwrap();
    assert_eq!(found, Some(10));
    first_look.disconnect().await.unwrap();

    writer
        .query_drop("UPDATE game.bot SET level = 11 WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(wait_for(&replica, level, Some(11)).await, Some(11));

    // Stopped, the replica keeps the old value while the primary has the new one.
    replica.stop_replication().await.expect("stop");
    writer
        .query_drop("UPDATE game.bot SET level = 12 WHERE id = 1")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stale: Option<u64> = connect(&replica).await.query_first(level).await.unwrap();
    assert_eq!(stale, Some(11));
    replica.resume_replication().await.expect("resume");
    assert_eq!(wait_for(&replica, level, Some(12)).await, Some(12));

    let mut reader = connect(&replica).await;
    let read_only: Option<u64> = reader.query_first("SELECT @@read_only").await.unwrap();
    assert_eq!(read_only, Some(1));
    let ids: Option<(u64, u64)> = reader
        .query_first("SELECT @@server_id, @@gtid_slave_pos IS NOT NULL")
        .await
        .unwrap();
    let primary_id: Option<u64> = writer.query_first("SELECT @@server_id").await.unwrap();
    assert_ne!(ids.map(|(id, _)| id), primary_id);
    // The primary's root password was not replicated over the replica's.
    assert_ne!(primary.url(), replica.url());
    writer.disconnect().await.unwrap();
    reader.disconnect().await.unwrap();
}

#[tokio::test]
async fn a_replica_needs_a_primary_with_a_binary_log() {
    let server = EmbeddedServer::start().await.expect("server");
    let err = server.start_replica().await.expect_err("no binary log");
    assert!(matches!(err, EmbeddedError::NoBinaryLog), "{err}");
    assert!(err.to_string().contains("binary_log(true)"), "{err}");
}
