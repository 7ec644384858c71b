//! Reserved words as table and column names (`group`, `order`, `rank`, `key`: common in game
//! schemas) work through every call, since every statement quotes its identifiers.

use playerbot_db::{BotEntity, BulkMode};
use playerbot_db_tests::TestDb;

#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "group", partition(width = 100, count = 2))]
struct Member {
    #[bot(key, partition_key)]
    bot_id: u32,
    #[bot(key, column = "order")]
    position: u32,
    #[bot(index)]
    rank: u8,
    #[bot(index, max_len = 16, column = "key")]
    tag: String,
}

fn member(bot_id: u32, position: u32) -> Member {
    Member {
        bot_id,
        position,
        rank: (position % 5) as u8,
        tag: format!("t{bot_id}-{position}"),
    }
}

#[tokio::test]
async fn every_call_works_on_reserved_names() {
    let test = TestDb::new("reserved_words").await;
    let db = test.bare_db(|b| b.register::<Member>()).await;
    db.create_tables().await.unwrap();
    assert!(db.check_schema().await.unwrap().is_empty());

    db.insert(&member(1, 1)).await.unwrap();
    db.save(&Member {
        rank: 9,
        ..member(1, 1)
    })
    .await
    .unwrap();
    assert_eq!(db.load::<Member>(&(1, 1)).await.unwrap().unwrap().rank, 9);
    assert!(db.exists::<Member>(&(1, 1)).await.unwrap());
    let rows: Vec<Member> = (0..300).map(|i| member(i, i % 7)).collect();
    for mode in [BulkMode::BulkExecute, BulkMode::MultiRow] {
        db.bulk::<Member>().mode(mode).save(&rows).await.unwrap();
        db.bulk::<Member>()
            .mode(mode)
            .update_only(&[Member::RANK])
            .save(&rows)
            .await
            .unwrap();
    }
    let keys: Vec<(u32, u32)> = (0..300).map(|i| (i, i % 7)).collect();
    let loaded = db.load_many::<Member>(&keys).await.unwrap();
    assert!(loaded.iter().all(Option::is_some));
    let mut batch = db.batch();
    batch.save(&member(5, 50)).delete::<Member>(&(0, 0));
    batch.commit().await.unwrap();
    assert!(db.delete::<Member>(&(5, 50)).await.unwrap());

    db.ensure_partitions::<Member>(500).await.unwrap();
    let partitions = db.partitions::<Member>().await.unwrap();
    assert_eq!(partitions.iter().map(|p| p.rows).sum::<u64>(), 300 - 1);
    let plan = db.explain_key::<Member>(&(250, 5)).await.unwrap();
    assert_eq!(plan.select_by_key, vec!["p2".to_owned()]);
}
