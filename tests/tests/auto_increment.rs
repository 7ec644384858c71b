//! Tables keyed by an id the server generates (`AUTO_INCREMENT`), as the game's own tables
//! are: new rows (key 0) are each a row of their own and get their ids back.

use playerbot_db::BulkMode;
use playerbot_db_tests::entities::ItemInstance as Item;
use playerbot_db_tests::TestDb;

fn new_item(i: u32) -> Item {
    Item {
        guid: 0,
        owner: format!("bot{i}"),
        count: i,
    }
}

async fn items(test: &TestDb) -> playerbot_db::Db {
    let db = test.bare_db(|b| b.register::<Item>()).await;
    db.create_tables().await.unwrap();
    db
}

/// Before, 500 new rows collapsed into one (all had key 0) and the rest were reported as
/// duplicates.
#[tokio::test]
async fn bulk_saves_of_new_rows_write_every_row_and_return_their_ids() {
    let test = TestDb::new("auto_increment_bulk").await;
    let db = items(&test).await;
    let rows: Vec<Item> = (0..500).map(new_item).collect();
    let report = db.save_all(&rows).await.unwrap();
    assert_eq!((report.rows, report.duplicates), (500, 0), "{report:?}");
    let ids = report.new_ids.expect("ids of new rows");
    assert_eq!(ids.len(), 500);
    for (i, id) in ids.iter().enumerate() {
        let expected = Item {
            guid: *id,
            ..new_item(i as u32)
        };
        assert_eq!(db.load::<Item>(id).await.unwrap(), Some(expected));
    }
    assert_eq!(db.count::<Item>().await.unwrap(), 500);

    // Existing rows (by their ids) and new ones in one call.
    let mut mixed: Vec<Item> = ids[..10]
        .iter()
        .map(|&guid| Item {
            guid,
            owner: "updated".into(),
            count: 7,
        })
        .collect();
    mixed.extend((500..520).map(new_item));
    let report = db.save_all(&mixed).await.unwrap();
    assert_eq!(report.new_ids.map(|ids| ids.len()), Some(20));
    assert_eq!(db.count::<Item>().await.unwrap(), 520);
    assert_eq!(
        db.load::<Item>(&ids[3]).await.unwrap().unwrap().owner,
        "updated"
    );

    // Multi-row statements of fixed sizes are never padded with a repeated new row.
    let many: Vec<Item> = (0..1_337).map(new_item).collect();
    let report = db
        .bulk::<Item>()
        .mode(BulkMode::MultiRow)
        .save(&many)
        .await
        .unwrap();
    assert_eq!(report.new_ids.map(|ids| ids.len()), Some(1_337));
    assert_eq!(db.count::<Item>().await.unwrap(), 520 + 1_337);

    // Bulk execute writes every row too, but reports no ids.
    let report = db
        .bulk::<Item>()
        .mode(BulkMode::BulkExecute)
        .save(&rows[..100])
        .await
        .unwrap();
    assert_eq!(report.new_ids, None);
    assert_eq!(db.count::<Item>().await.unwrap(), 520 + 1_337 + 100);
}

#[tokio::test]
async fn insert_returns_the_id_and_save_of_a_new_row_adds_one() {
    let test = TestDb::new("auto_increment_insert").await;
    let db = items(&test).await;
    let first = db.insert(&new_item(1)).await.unwrap().expect("an id");
    let second = db.insert(&new_item(2)).await.unwrap().expect("an id");
    assert!(second > first);
    assert_eq!(
        db.load::<Item>(&second).await.unwrap(),
        Some(Item {
            guid: second,
            ..new_item(2)
        })
    );
    let given = Item {
        guid: 90_000,
        ..new_item(3)
    };
    assert_eq!(db.insert(&given).await.unwrap(), Some(90_000));
    db.save(&new_item(4)).await.unwrap();
    assert_eq!(db.count::<Item>().await.unwrap(), 4);
    let mut batch = db.batch();
    batch.save(&new_item(5)).save(&new_item(6));
    batch.commit().await.unwrap();
    assert_eq!(db.count::<Item>().await.unwrap(), 6);
}
