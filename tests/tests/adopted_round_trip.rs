//! The entities `playerbot-db entity` printed for the ten adopted tables (`tests/src/adopted.rs`,
//! compiled as printed) pass `check_schema` against their tables, and thousands of rows
//! written by SQL round-trip through them exactly: read, deleted, bulk-saved back, read again.

use std::fmt::Debug;

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Conn, Row};
use playerbot_db::{BotEntity, Db, DbBuilder, Dialect};
use playerbot_db_tests::adopted::*;
use playerbot_db_tests::{create_adopted_tables, round_trip, TestDb};

fn register_all(builder: DbBuilder) -> DbBuilder {
    builder
        .register::<Account>()
        .register::<CharacterAura>()
        .register::<CharacterInventory>()
        .register::<GuildMember>()
        .register::<PlayerbotsDbStore>()
        .register::<PlayerbotsEquipCache>()
        .register::<PlayerbotsGuildTasks>()
        .register::<PlayerbotsPreferredMounts>()
        .register::<PlayerbotsRandomBots>()
        .register::<Updates>()
}

async fn adopted(name: &str) -> (TestDb, Db, Conn, Dialect) {
    let test = TestDb::new(name).await;
    let mut conn = test.conn().await;
    create_adopted_tables(&mut conn).await;
    let dialect = round_trip::dialect(&mut conn).await;
    let db = test.bare_db(register_all).await;
    (test, db, conn, dialect)
}

/// Every row of `E`'s table, ordered by all of its columns.
async fn all_rows<E: BotEntity>(conn: &mut Conn, dialect: Dialect) -> Vec<E> {
    let columns: Vec<String> = E::META
        .columns
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect();
    let sql = format!(
        "{} ORDER BY {}",
        E::META.statements(dialect).select_head,
        columns.join(", ")
    );
    let rows: Vec<Row> = conn.query(sql).await.expect("select all");
    rows.into_iter()
        .map(|row| E::from_row(row).expect("decode"))
        .collect()
}

async fn round_trips_exactly<E>(db: &Db, conn: &mut Conn, dialect: Dialect)
where
    E: BotEntity + Clone + PartialEq + Debug,
{
    let table = E::META.table;
    let before: Vec<E> = all_rows(conn, dialect).await;
    assert!(before.len() >= 2_500, "{table}: {} rows", before.len());
    conn.query_drop(format!("DELETE FROM `{table}`"))
        .await
        .unwrap();
    // MyISAM and MEMORY tables cannot roll back: the call must say it accepts that.
    let report = db
        .bulk::<E>()
        .allow_partial_writes(true)
        .save(&before)
        .await
        .unwrap_or_else(|err| panic!("{table}: {err}"));
    assert_eq!(report.rows, before.len(), "{table}: {report:?}");
    let after: Vec<E> = all_rows(conn, dialect).await;
    assert!(after == before, "{table}: rows changed on the way back");
    if !E::META.is_append_only() {
        let keys: Vec<E::Key> = before.iter().map(BotEntity::key).collect();
        let loaded = db.load_many::<E>(&keys).await.unwrap();
        let loaded: Vec<E> = loaded
            .into_iter()
            .map(|row| row.unwrap_or_else(|| panic!("{table}: a row is missing")))
            .collect();
        assert!(loaded == before, "{table}: load_many differs");
        assert_eq!(
            db.load::<E>(&keys[17]).await.unwrap().as_ref(),
            Some(&before[17])
        );
    }
}

#[tokio::test]
async fn printed_entities_pass_the_schema_check() {
    let (_test, db, _conn, _) = adopted("adopted_check_schema").await;
    let report = db.check_schema().await.unwrap();
    assert!(report.is_empty(), "{report:#?}");
}

#[tokio::test]
async fn thousands_of_rows_round_trip_through_every_printed_entity() {
    let (_test, db, mut conn, dialect) = adopted("adopted_round_trip").await;
    let c = &mut conn;
    round_trips_exactly::<Account>(&db, c, dialect).await;
    round_trips_exactly::<CharacterAura>(&db, c, dialect).await;
    round_trips_exactly::<CharacterInventory>(&db, c, dialect).await;
    round_trips_exactly::<GuildMember>(&db, c, dialect).await;
    round_trips_exactly::<PlayerbotsDbStore>(&db, c, dialect).await;
    round_trips_exactly::<PlayerbotsEquipCache>(&db, c, dialect).await;
    round_trips_exactly::<PlayerbotsGuildTasks>(&db, c, dialect).await;
    round_trips_exactly::<PlayerbotsPreferredMounts>(&db, c, dialect).await;
    round_trips_exactly::<PlayerbotsRandomBots>(&db, c, dialect).await;
    round_trips_exactly::<Updates>(&db, c, dialect).await;
}

/// New rows (id 0) of the game's AUTO_INCREMENT tables: every one written, ids returned.
#[tokio::test]
async fn new_rows_of_adopted_auto_increment_tables_get_their_ids() {
    let (_test, db, mut conn, dialect) = adopted("adopted_new_ids").await;
    let existing: Vec<Account> = all_rows(&mut conn, dialect).await;
    let new: Vec<Account> = existing
        .iter()
        .map(|account| Account {
            id: 0,
            username: format!("N{}", account.username),
            ..account.clone()
        })
        .collect();
    let report = db.save_all(&new).await.unwrap();
    assert_eq!((report.rows, report.duplicates), (new.len(), 0));
    let ids = report
        .new_ids
        .expect("InnoDB numbers a multi-row insert consecutively");
    for (row, id) in new.iter().zip(&ids).step_by(97) {
        let expected = Account {
            id: u32::try_from(*id).unwrap(),
            ..row.clone()
        };
        assert_eq!(
            db.load::<Account>(&expected.id).await.unwrap(),
            Some(expected)
        );
    }
    assert_eq!(
        db.count::<Account>().await.unwrap(),
        2 * existing.len() as u64
    );

    let tasks: Vec<PlayerbotsGuildTasks> = all_rows(&mut conn, dialect).await;
    let copies: Vec<PlayerbotsGuildTasks> = tasks
        .iter()
        .map(|task| PlayerbotsGuildTasks {
            id: 0,
            ..task.clone()
        })
        .collect();
    db.save_all(&copies).await.unwrap();
    assert_eq!(
        db.count::<PlayerbotsGuildTasks>().await.unwrap(),
        2 * tasks.len() as u64
    );
}

/// A table without a primary key: rows are inserted (never merged), read and deleted by
/// column; calls that need a key say so.
#[tokio::test]
async fn append_only_tables_insert_every_row_and_refuse_keyed_calls() {
    let (_test, db, _conn, _) = adopted("adopted_append_only").await;
    let before = db.count::<PlayerbotsDbStore>().await.unwrap();
    let row = PlayerbotsDbStore {
        guid: 7,
        key: "co".into(),
        value: Some("+grind".into()),
    };
    db.save(&row).await.unwrap();
    db.save(&row).await.unwrap();
    db.save_all(&[row.clone(), row.clone(), row.clone()])
        .await
        .unwrap();
    assert_eq!(db.count::<PlayerbotsDbStore>().await.unwrap(), before + 5);
    let by_guid = db.load_by(&PlayerbotsDbStore::by_guid(7i64)).await.unwrap();
    assert_eq!(by_guid.iter().filter(|r| **r == row).count(), 5);
    let err = db.load::<PlayerbotsDbStore>(&()).await.unwrap_err();
    assert!(
        matches!(
            err,
            playerbot_db::Error::NoKey {
                entity: "PlayerbotsDbStore",
                call: "load"
            }
        ),
        "{err:?}"
    );
    assert!(db.delete::<PlayerbotsDbStore>(&()).await.is_err());
    let deleted = db
        .delete_by(&PlayerbotsDbStore::by_guid(7i64))
        .await
        .unwrap();
    assert_eq!(deleted, by_guid.len() as u64);
}

/// A column the server fills (`joindate … DEFAULT current_timestamp()`) is read on load and
/// written only when set: `None` takes the default on insert and keeps the stored value on
/// update, in single saves, transactions and bulk saves alike.
#[tokio::test]
async fn server_filled_columns_are_written_only_when_set() {
    let (_test, db, mut conn, dialect) = adopted("adopted_server_default").await;
    let template: Account = all_rows(&mut conn, dialect).await.remove(0);
    let fresh = |name: &str| Account {
        id: 0,
        username: name.into(),
        joindate: None,
        ..template.clone()
    };
    let now: i64 = conn
        .query_first("SELECT UNIX_TIMESTAMP()")
        .await
        .unwrap()
        .unwrap();
    let id = db.insert(&fresh("fresh1")).await.unwrap().unwrap();
    let stored = db.load::<Account>(&(id as u32)).await.unwrap().unwrap();
    let joined = stored.joindate.expect("the server filled it");
    assert!((joined - now).abs() < 60, "{joined} vs {now}");

    // Saved again without it: the stored value stays.
    let later = Account {
        email: "changed@example.org".into(),
        joindate: None,
        ..stored.clone()
    };
    db.save(&later).await.unwrap();
    let again = db.load::<Account>(&(id as u32)).await.unwrap().unwrap();
    assert_eq!(
        (again.email.as_str(), again.joindate),
        ("changed@example.org", Some(joined))
    );
    // Set: written.
    db.save(&Account {
        joindate: Some(1_000_000_000),
        ..again.clone()
    })
    .await
    .unwrap();
    assert_eq!(
        db.load::<Account>(&(id as u32))
            .await
            .unwrap()
            .unwrap()
            .joindate,
        Some(1_000_000_000)
    );

    // Bulk: set and unset rows mixed, new and existing.
    let mut rows = vec![
        Account {
            email: "bulk@example.org".into(),
            joindate: None,
            ..again.clone()
        },
        fresh("fresh2"),
        Account {
            joindate: Some(1_500_000_000),
            ..fresh("fresh3")
        },
    ];
    rows.push(fresh("fresh4"));
    let report = db.save_all(&rows).await.unwrap();
    let ids = report.new_ids.expect("ids");
    let reloaded = db.load::<Account>(&(id as u32)).await.unwrap().unwrap();
    assert_eq!(
        (reloaded.email.as_str(), reloaded.joindate),
        ("bulk@example.org", Some(1_000_000_000))
    );
    let loaded: Vec<Account> = db
        .load_many::<Account>(&ids.iter().map(|&id| id as u32).collect::<Vec<_>>())
        .await
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    assert!(loaded[0].joindate.is_some_and(|t| (t - now).abs() < 60));
    assert_eq!(loaded[1].joindate, Some(1_500_000_000));
    assert!(loaded[2].joindate.is_some());

    // In a transaction too.
    let mut tx = db.begin().await.unwrap();
    tx.save(&Account {
        last_ip: "10.9.9.9".into(),
        joindate: None,
        ..reloaded.clone()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let after = db.load::<Account>(&(id as u32)).await.unwrap().unwrap();
    assert_eq!(
        (after.last_ip.as_str(), after.joindate),
        ("10.9.9.9", Some(1_000_000_000))
    );
}

/// The paths adopted tables add — `load_many` asking the server again on a case-insensitive
/// key, statements without unset columns, append-only inserts, bulk saves that read the
/// table's engine — cancelled at random points: every later read is exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_calls_on_adopted_tables_leave_nothing_behind() {
    let (_test, db, mut conn, dialect) = adopted("adopted_cancel").await;
    let updates: Vec<Updates> = all_rows(&mut conn, dialect).await;
    let updates = &updates[..200];
    let accounts: Vec<Account> = all_rows(&mut conn, dialect).await;
    let accounts = &accounts[..200];
    let store_before = db.count::<PlayerbotsDbStore>().await.unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let cancel = |micros: u64| std::time::Duration::from_micros(micros);
    let mut store_attempts = 0u64;
    for _ in 0..600 {
        let i = next(200) as usize;
        let deadline = cancel(next(3_000));
        match next(5) {
            0 => {
                // Upper-case spellings: the server finds them, so must load_many.
                let keys: Vec<String> = (0..20)
                    .map(|k| updates[(i + k) % 200].name.to_uppercase())
                    .collect();
                let _ = tokio::time::timeout(deadline, db.load_many::<Updates>(&keys)).await;
            }
            1 => {
                // Same values, creation time left to the server: nothing changes.
                let row = Account {
                    joindate: None,
                    ..accounts[i].clone()
                };
                let _ = tokio::time::timeout(deadline, db.save(&row)).await;
            }
            2 => {
                let rows: Vec<Account> = accounts[i..(i + 30).min(200)]
                    .iter()
                    .map(|a| Account {
                        joindate: if a.id % 2 == 0 { None } else { a.joindate },
                        ..a.clone()
                    })
                    .collect();
                let _ = tokio::time::timeout(deadline, db.save_all(&rows)).await;
            }
            3 => {
                store_attempts += 1;
                let row = PlayerbotsDbStore {
                    guid: 9_000_000,
                    key: "cancel".into(),
                    value: None,
                };
                let _ = tokio::time::timeout(deadline, db.save(&row)).await;
            }
            _ => {
                let rows = &updates[i..(i + 25).min(200)];
                let _ = tokio::time::timeout(deadline, db.save_all(rows)).await;
            }
        }
        let k = next(200) as usize;
        let upper = updates[k].name.to_uppercase();
        let many = db
            .load_many::<Updates>(&[upper.clone(), updates[k].name.clone()])
            .await
            .unwrap();
        assert_eq!(many[0].as_ref(), Some(&updates[k]), "load_many of {upper}");
        assert_eq!(many[1].as_ref(), Some(&updates[k]));
        assert_eq!(
            db.load::<Account>(&accounts[k].id).await.unwrap().as_ref(),
            Some(&accounts[k])
        );
    }
    // An insert cut off may or may not have landed, but never twice.
    let added = db.count::<PlayerbotsDbStore>().await.unwrap() - store_before;
    assert!(
        added <= store_attempts,
        "{added} rows from {store_attempts} saves"
    );
}
