//! A save changes the row of its key and nothing else: a value of a `unique` column that
//! another row (another primary key) holds is a typed duplicate-key error, whichever path the
//! save takes, and nothing changes.

use playerbot_db::{BulkMode, Conflict, Error};
use playerbot_db_tests::entities::BotAccount;
use playerbot_db_tests::TestDb;

fn account(bot_id: u32, name: &str, account_id: u32) -> BotAccount {
    BotAccount {
        bot_id,
        name: name.to_owned(),
        account_id,
    }
}

/// The error names the entity, the key of the row that was refused and the unique column.
fn assert_conflict(err: &Error, refused_key: &str) {
    assert!(err.is_duplicate_key(), "{err:?}");
    match err {
        Error::UniqueConflict {
            entity,
            key,
            columns,
        } => {
            assert_eq!(*entity, "BotAccount");
            assert_eq!(key, refused_key, "{err}");
            assert_eq!(columns, "name");
        }
        other => panic!("expected a unique conflict: {other:?}"),
    }
}

#[tokio::test]
async fn a_save_never_overwrites_the_row_holding_its_unique_value() {
    let test = TestDb::new("unique_single").await;
    let db = test.db().await;
    let alice = account(1, "alice", 10);
    db.insert(&alice).await.unwrap();

    let err = db.save(&account(2, "alice", 20)).await.unwrap_err();
    assert_conflict(&err, "2");
    assert_eq!(db.load::<BotAccount>(&1).await.unwrap(), Some(alice));
    assert_eq!(db.load::<BotAccount>(&2).await.unwrap(), None);

    // The row of the same key may keep or change its unique value.
    db.save(&account(1, "alice", 11)).await.unwrap();
    db.save(&account(1, "alicia", 12)).await.unwrap();
    assert_eq!(
        db.load::<BotAccount>(&1).await.unwrap(),
        Some(account(1, "alicia", 12))
    );
    // Changing one's unique value to another row's is refused by the server (1062).
    db.save(&account(2, "bob", 20)).await.unwrap();
    let err = db.save(&account(2, "alicia", 20)).await.unwrap_err();
    assert!(err.is_duplicate_key(), "{err:?}");
    assert_eq!(
        db.load::<BotAccount>(&2).await.unwrap(),
        Some(account(2, "bob", 20))
    );
    // A plain insert with another row's unique value is a duplicate too.
    let err = db.insert(&account(3, "alicia", 1)).await.unwrap_err();
    assert!(err.is_duplicate_key(), "{err:?}");
}

#[tokio::test]
async fn bulk_saves_refuse_another_rows_unique_value_and_name_the_row() {
    let test = TestDb::new("unique_bulk").await;
    let db = test.db().await;
    let alice = account(1, "alice", 10);
    db.insert(&alice).await.unwrap();
    let rows = [
        account(2, "bob", 20),
        account(3, "alice", 30),
        account(4, "dora", 40),
    ];
    for mode in [BulkMode::BulkExecute, BulkMode::MultiRow] {
        for conflict in [Conflict::Update, Conflict::Ignore] {
            let err = db
                .bulk::<BotAccount>()
                .mode(mode)
                .on_conflict(conflict)
                .save(&rows)
                .await
                .unwrap_err();
            assert_conflict(&err, "3");
        }
        let err = db
            .bulk::<BotAccount>()
            .mode(mode)
            .update_only(&[BotAccount::ACCOUNT_ID])
            .save(&rows)
            .await
            .unwrap_err();
        assert_conflict(&err, "3");
    }
    assert_eq!(db.load::<BotAccount>(&1).await.unwrap(), Some(alice));
    let rest = db.load_many::<BotAccount>(&[2, 3, 4]).await.unwrap();
    assert_eq!(
        rest,
        vec![None, None, None],
        "nothing of the call was saved"
    );
}

#[tokio::test]
async fn transactions_refuse_another_rows_unique_value() {
    let test = TestDb::new("unique_transactions").await;
    let db = test.db().await;
    let alice = account(1, "alice", 10);
    db.insert(&alice).await.unwrap();

    let mut batch = db.batch();
    batch
        .save(&account(5, "eve", 50))
        .save(&account(6, "alice", 60));
    let err = batch.commit().await.unwrap_err();
    assert_conflict(&err, "6");
    assert_eq!(db.load::<BotAccount>(&5).await.unwrap(), None);

    let mut tx = db.begin().await.unwrap();
    let err = tx.save(&account(7, "alice", 70)).await.unwrap_err();
    assert_conflict(&err, "7");
    tx.save(&account(7, "grace", 70)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.load::<BotAccount>(&1).await.unwrap(), Some(alice));
    assert_eq!(
        db.load::<BotAccount>(&7).await.unwrap(),
        Some(account(7, "grace", 70))
    );
}
