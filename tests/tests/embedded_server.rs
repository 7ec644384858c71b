//! The embedded server: starts from the machine's binaries, runs side by side with others,
//! survives a kill with a restart, removes everything on drop, and fails clearly without a
//! binary.

use std::path::PathBuf;

use playerbot_db::embedded::{EmbeddedError, EmbeddedServer, ServerBinaries};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::session::connect_opts;

async fn connect(server: &EmbeddedServer) -> Conn {
    Conn::new(connect_opts(&server.url(), None).unwrap())
        .await
        .expect("connect to embedded server")
}

#[tokio::test]
async fn two_servers_run_side_by_side_and_clean_up_on_drop() {
    let first = EmbeddedServer::start().expect("first server");
    let second = EmbeddedServer::start().expect("second server");
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
    let mut server = EmbeddedServer::start().expect("server");
    let mut conn = connect(&server).await;
    conn.query_drop("CREATE DATABASE survives_kill")
        .await
        .unwrap();
    drop(conn);

    server.kill();
    assert!(!server.is_running());
    let refused = Conn::new(connect_opts(&server.url(), None).unwrap()).await;
    assert!(refused.is_err(), "a killed server accepts no connections");

    server.restart().expect("restart");
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
