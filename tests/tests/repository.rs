//! The repository calls on a real server: every example entity, load_many's order and
//! gaps, inserts versus upserts, and transactions. Every test body runs twice, unchanged: on
//! one server and on two shards (`TestDb::two_shards`: bot ids below `SHARD_SPLIT` on the
//! first), so each call has one meaning whatever the topology.

use playerbot_db::bots::{
    AiValue, BotEvent, BotState, BotStrategy, Equipment, ItemQuality, ItemSlot, StrategyEngine,
};
use playerbot_db::BotEntity;
use playerbot_db_tests::entities::{AllTypes, KnownSpell};
use playerbot_db_tests::fixtures::{bot_event, bot_state};
use playerbot_db_tests::TestDb;

/// save (insert path), load, save (update path), exists, delete, for one entity.
async fn lifecycle<E>(db: &playerbot_db::Db, first: E, changed: E)
where
    E: BotEntity + Clone + PartialEq + std::fmt::Debug,
{
    let key = first.key();
    assert_eq!(db.load::<E>(&key).await.unwrap(), None);
    assert!(!db.exists::<E>(&key).await.unwrap());
    db.save(&first).await.unwrap();
    assert_eq!(db.load::<E>(&key).await.unwrap(), Some(first.clone()));
    db.save(&changed).await.unwrap();
    assert_eq!(db.load::<E>(&key).await.unwrap(), Some(changed));
    assert!(db.exists::<E>(&key).await.unwrap());
    assert!(db.delete::<E>(&key).await.unwrap());
    assert!(
        !db.delete::<E>(&key).await.unwrap(),
        "second delete finds nothing"
    );
    assert_eq!(db.load::<E>(&key).await.unwrap(), None);
}

async fn every_example_entity_goes_through_the_repository(test: TestDb) {
    let db = test.db().await;
    lifecycle(
        &db,
        bot_state(7),
        BotState {
            health: 1,
            ..bot_state(7)
        },
    )
    .await;
    lifecycle(
        &db,
        bot_event(7, "cooldown", 1),
        bot_event(7, "cooldown", 2),
    )
    .await;
    let value = AiValue {
        bot_id: 7,
        name: "target".into(),
        text: Some("x".into()),
        int: None,
        float: Some(0.5),
        blob: None,
        updated_at: 1,
        dirty: false,
    };
    lifecycle(
        &db,
        value.clone(),
        AiValue {
            text: None,
            int: Some(3),
            ..value
        },
    )
    .await;
    let item = Equipment {
        bot_id: 7,
        slot: ItemSlot::Head,
        item_entry: 1,
        quality: Some(ItemQuality::Epic),
        enchant_id: None,
        durability: 3,
        guid: 9,
    };
    lifecycle(
        &db,
        item.clone(),
        Equipment {
            quality: None,
            ..item
        },
    )
    .await;
    let strategy = BotStrategy {
        bot_id: 7,
        engine: StrategyEngine::Dead,
        strategies: "a".into(),
    };
    lifecycle(
        &db,
        strategy.clone(),
        BotStrategy {
            strategies: "b".into(),
            ..strategy
        },
    )
    .await;
    lifecycle(
        &db,
        KnownSpell {
            bot_id: 1,
            spell_id: 2,
        },
        KnownSpell {
            bot_id: 1,
            spell_id: 2,
        },
    )
    .await;
}

async fn load_many_keeps_order_and_reports_missing_keys(test: TestDb) {
    let db = test.db().await;
    for bot_id in (0..600).step_by(2) {
        db.save(&bot_state(bot_id)).await.unwrap();
    }
    assert_eq!(db.load_many::<BotState>(&[]).await.unwrap(), vec![]);
    // 1 through 599 in reverse, odd ids missing, one key repeated; 600 keys span several
    // prepared sizes and a padded last chunk.
    let mut keys: Vec<u32> = (0..600).rev().collect();
    keys.push(10);
    let loaded = db.load_many::<BotState>(&keys).await.unwrap();
    assert_eq!(loaded.len(), keys.len());
    for (key, row) in keys.iter().zip(&loaded) {
        let expected = (key % 2 == 0).then(|| bot_state(*key));
        assert_eq!(row.as_ref(), expected.as_ref(), "key {key}");
    }

    // Composite keys.
    db.save(&bot_event(1, "a", 1)).await.unwrap();
    db.save(&bot_event(1, "b", 2)).await.unwrap();
    db.save(&bot_event(2, "a", 3)).await.unwrap();
    let keys = [
        (2, "a".to_owned()),
        (1, "zzz".to_owned()),
        (1, "a".to_owned()),
        (1, "b".to_owned()),
    ];
    let values: Vec<Option<i64>> = db
        .load_many::<BotEvent>(&keys)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.map(|e| e.value))
        .collect();
    assert_eq!(values, vec![Some(3), None, Some(1), Some(2)]);
}

async fn insert_refuses_an_existing_key_and_save_does_not(test: TestDb) {
    let db = test.db().await;
    db.insert(&bot_state(1)).await.unwrap();
    let err = db
        .insert(&BotState {
            health: 5,
            ..bot_state(1)
        })
        .await
        .unwrap_err();
    assert!(err.is_duplicate_key(), "{err}");
    assert!(!err.is_retryable());
    assert!(
        err.to_string().contains("BotState") && err.to_string().contains("insert"),
        "{err}"
    );
    assert_eq!(
        db.load::<BotState>(&1).await.unwrap(),
        Some(bot_state(1)),
        "the failed insert changed nothing"
    );
    db.save(&BotState {
        health: 5,
        ..bot_state(1)
    })
    .await
    .unwrap();
    assert_eq!(db.load::<BotState>(&1).await.unwrap().unwrap().health, 5);
}

async fn unregistered_entity_is_a_configuration_error(test: TestDb) {
    let db = test.bare_db(|b| b.register::<BotState>()).await;
    let err = db.load_many::<AllTypes>(&[1]).await.unwrap_err();
    assert!(err.to_string().contains("register::<AllTypes>()"), "{err}");
}

async fn batch_commits_all_or_nothing(test: TestDb) {
    let db = test.db().await;
    db.save(&bot_state(3)).await.unwrap();

    let mut batch = db.batch();
    batch
        .save(&bot_state(1))
        .save(&bot_event(1, "x", 1))
        .delete::<BotState>(&3);
    assert_eq!(batch.len(), 3);
    batch.commit().await.unwrap();
    assert!(db.exists::<BotState>(&1).await.unwrap());
    assert!(db.exists::<BotEvent>(&(1, "x".to_owned())).await.unwrap());
    assert!(!db.exists::<BotState>(&3).await.unwrap());

    // The third write fails (duplicate insert): the first two are rolled back.
    let mut batch = db.batch();
    batch
        .save(&bot_state(2))
        .save(&bot_event(2, "y", 1))
        .insert(&bot_state(1));
    let err = batch.commit().await.unwrap_err();
    assert!(err.is_duplicate_key(), "{err}");
    assert!(
        err.to_string().contains("key 1"),
        "the error names the failing key: {err}"
    );
    assert!(!db.exists::<BotState>(&2).await.unwrap());
    assert!(!db.exists::<BotEvent>(&(2, "y".to_owned())).await.unwrap());
}

async fn manual_transaction_commits_or_rolls_back_even_when_dropped(test: TestDb) {
    let db = test.db_with(|b| b.max_connections(1)).await;

    let mut tx = db.begin().await.unwrap();
    tx.save(&bot_state(1)).await.unwrap();
    assert_eq!(
        tx.load::<BotState>(&1).await.unwrap(),
        Some(bot_state(1)),
        "reads its own writes"
    );
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    tx.save(&bot_state(2)).await.unwrap();
    assert!(tx.delete::<BotState>(&1).await.unwrap());
    tx.rollback().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    tx.save(&bot_state(3)).await.unwrap();
    drop(tx); // neither committed nor rolled back

    // With one connection, the next call gets the very connection the dropped transaction used.
    assert_eq!(db.load::<BotState>(&1).await.unwrap(), Some(bot_state(1)));
    assert_eq!(db.load::<BotState>(&2).await.unwrap(), None);
    assert_eq!(db.load::<BotState>(&3).await.unwrap(), None);
    let mut other = test.conn().await;
    use playerbot_db::mysql_async::prelude::Queryable;
    let count: Option<u64> = other
        .query_first("SELECT COUNT(*) FROM bot_state")
        .await
        .unwrap();
    assert_eq!(count, Some(1));
}

playerbot_db_tests::on_one_server_and_two_shards! {
    every_example_entity_goes_through_the_repository: "repository_lifecycle",
    load_many_keeps_order_and_reports_missing_keys: "load_many_order",
    insert_refuses_an_existing_key_and_save_does_not: "insert_versus_save",
    unregistered_entity_is_a_configuration_error: "unregistered_entity",
    batch_commits_all_or_nothing: "batch_all_or_nothing",
    manual_transaction_commits_or_rolls_back_even_when_dropped: "manual_transaction",
}
