//! The round trip every entity is put through with its generated SQL.

use std::fmt::Debug;

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Conn, Params};
use playerbot_db::{BotEntity, Dialect, ServerFlavor};

/// The dialect of the server behind `conn`.
pub async fn dialect(conn: &mut Conn) -> Dialect {
    ServerFlavor::detect(conn)
        .await
        .expect("server version")
        .dialect()
}

/// Selects by key with the generated statement.
pub async fn load<E: BotEntity>(conn: &mut Conn, dialect: Dialect, key: &E::Key) -> Option<E> {
    let sql = E::META.statements(dialect).select_by_key;
    let row: Option<playerbot_db::mysql_async::Row> = conn
        .exec_first(sql, Params::Positional(E::key_params(key)))
        .await
        .expect("select by key");
    row.map(|row| E::from_row(row).expect("decode"))
}

/// Creates the table, then: insert `first`; a second insert of it fails on the duplicate key;
/// upsert `changed` (same key) updates; upsert `second` (new key) inserts; delete `first`'s key
/// removes only that row. Every step is checked by reading the row back.
pub async fn run<E>(conn: &mut Conn, first: E, changed: E, second: E)
where
    E: BotEntity + PartialEq + Debug,
{
    let dialect = dialect(conn).await;
    let sql = E::META.statements(dialect);
    let name = E::META.entity;
    assert_eq!(
        first.key(),
        changed.key(),
        "{name}: `changed` must share `first`'s key"
    );
    assert_ne!(
        first.key(),
        second.key(),
        "{name}: `second` needs a key of its own"
    );

    conn.query_drop(sql.create_table)
        .await
        .expect("create table");

    conn.exec_drop(sql.insert, Params::Positional(first.to_params()))
        .await
        .expect("insert");
    assert_eq!(
        load::<E>(conn, dialect, &first.key()).await.as_ref(),
        Some(&first),
        "{name}: after insert"
    );

    let duplicate = conn
        .exec_drop(sql.insert, Params::Positional(first.to_params()))
        .await;
    let code = match duplicate {
        Err(playerbot_db::mysql_async::Error::Server(err)) => err.code,
        other => panic!("{name}: a second plain insert must fail on the key, got {other:?}"),
    };
    assert_eq!(code, 1062, "{name}: duplicate entry");

    conn.exec_drop(sql.upsert, Params::Positional(changed.to_params()))
        .await
        .expect("upsert (update)");
    assert_eq!(
        load::<E>(conn, dialect, &first.key()).await.as_ref(),
        Some(&changed),
        "{name}: after upsert of an existing key"
    );

    conn.exec_drop(sql.upsert, Params::Positional(second.to_params()))
        .await
        .expect("upsert (insert)");
    assert_eq!(
        conn.affected_rows(),
        1,
        "{name}: an upsert of a new key inserts one row"
    );
    assert_eq!(
        load::<E>(conn, dialect, &second.key()).await.as_ref(),
        Some(&second),
        "{name}: after upsert of a new key"
    );

    conn.exec_drop(
        sql.delete_by_key,
        Params::Positional(E::key_params(&first.key())),
    )
    .await
    .expect("delete");
    assert_eq!(conn.affected_rows(), 1, "{name}: delete removes one row");
    assert_eq!(
        load::<E>(conn, dialect, &first.key()).await,
        None,
        "{name}: deleted row is gone"
    );
    assert_eq!(
        load::<E>(conn, dialect, &second.key()).await.as_ref(),
        Some(&second),
        "{name}: other rows stay"
    );

    let count: Option<u64> = conn
        .query_first(format!("SELECT COUNT(*) FROM `{}`", E::META.table))
        .await
        .expect("count");
    assert_eq!(count, Some(1), "{name}: exactly the second row remains");
}
