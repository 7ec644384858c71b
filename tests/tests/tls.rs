//! TLS against a real server that refuses unencrypted connections, with a certificate from a
//! private CA: verified, not blindly accepted.

use playerbot_db::bots::BotState;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::{Db, Error, ErrorKind};
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_tests::fixtures::bot_state;

#[tokio::test]
async fn connections_are_encrypted_and_the_certificate_is_verified() {
    let server = EmbeddedServer::start_tls()
        .await
        .expect("TLS embedded server");
    let ca = server.tls_ca().unwrap().to_path_buf();

    let plain = Db::builder(server.url()).build().await.unwrap_err();
    assert!(
        plain.kind() == ErrorKind::ConnectRejected && !plain.is_retryable(),
        "the server refuses unencrypted connections, for good: {plain}"
    );

    let unknown_ca = Db::builder(server.url())
        .tls(true)
        .build()
        .await
        .unwrap_err();
    assert!(
        unknown_ca.to_string().to_lowercase().contains("cert"),
        "an untrusted certificate is refused: {unknown_ca}"
    );

    // No URL turns the checks off, whether or not TLS was asked for in code (found from
    // outside: this connected to the untrusted certificate when `.tls()` was not called).
    let weakened = format!("{}?require_ssl=true&verify_ca=false", server.url());
    for tls in [false, true] {
        let err = Db::builder(weakened.as_str())
            .tls(tls)
            .build()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::WeakenedTls { params, .. } if params == &["verify_ca=false"]),
            "tls({tls}): {err:?}"
        );
    }
    // Only the builder call named for it lets the URL do so, and the Db says it.
    let unverified = Db::builder(weakened.as_str())
        .dangerously_accept_unverified_tls_for_tests()
        .build()
        .await
        .unwrap();
    assert!(unverified.stats().tls_unverified);
    assert!(
        format!("{:?}", unverified.config()).contains("unverified_tls_for_tests: true"),
        "{:?}",
        unverified.config()
    );
    unverified.close().await;

    let admin = Db::builder(server.url())
        .tls_root_cert(&ca)
        .build()
        .await
        .unwrap();
    let mut conn = admin.conn().await.unwrap();
    let cipher: Option<(String, String)> = conn
        .query_first("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .await
        .unwrap();
    assert!(!cipher.unwrap().1.is_empty(), "the session is encrypted");
    conn.query_drop("CREATE DATABASE secure").await.unwrap();
    drop(conn);

    let db = Db::builder(format!("{}secure", server.url()))
        .tls_root_cert(&ca)
        .register::<BotState>()
        .build()
        .await
        .unwrap();
    db.create_tables().await.unwrap();
    db.save(&bot_state(1)).await.unwrap();
    assert_eq!(db.load::<BotState>(&1).await.unwrap(), Some(bot_state(1)));
}
