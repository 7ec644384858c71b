//! A save changes the row of its key and nothing else, whatever unique keys the live table
//! has: declared by the entity or not, on InnoDB and MyISAM, with or without AUTO_INCREMENT.
//! Every path a save can take — `save`, `save_all` in both modes, batches, transactions and
//! write-behind flushes — either writes the row or fails with a typed error, and no other
//! row of the table changes. (Found from outside: an AUTO_INCREMENT key turned the conflict
//! guard into a write of key 0, and an undeclared unique key made a save a silent no-op.)

use std::time::Duration;

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::{BotEntity, BulkMode, Db, Error};
use playerbot_db_tests::TestDb;

/// `playerbots_guild_names` as mod-playerbots publishes it (the engine is filled in).
const GUILD_NAMES: &str = "CREATE TABLE `playerbots_guild_names` (
  `name_id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(24) NOT NULL,
  PRIMARY KEY (`name_id`),
  UNIQUE KEY `name_id` (`name_id`),
  UNIQUE KEY `name` (`name`)
) ENGINE=ENGINE_NAME DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci";

/// As `playerbot-db entity` prints it.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(
    table = "playerbots_guild_names",
    charset = "utf8mb3",
    collation = "utf8mb3_general_ci"
)]
struct GuildName {
    #[bot(key, auto_increment, unique)]
    name_id: u32,
    #[bot(unique, max_len = 24)]
    name: String,
}

/// As a module author writes it by hand: neither the AUTO_INCREMENT nor the unique name.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "playerbots_guild_names")]
struct PlainGuildName {
    #[bot(key)]
    name_id: u32,
    #[bot(max_len = 24)]
    name: String,
}

/// AzerothCore's `character_inventory`: primary key `item`, UNIQUE `(guid, bag, slot)`.
const INVENTORY: &str = "CREATE TABLE `character_inventory` (
  `guid` int(10) unsigned NOT NULL DEFAULT 0,
  `bag` int(10) unsigned NOT NULL DEFAULT 0,
  `slot` tinyint(3) unsigned NOT NULL DEFAULT 0,
  `item` int(10) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`item`),
  UNIQUE KEY `guid` (`guid`,`bag`,`slot`),
  KEY `idx_guid` (`guid`)
) ENGINE=ENGINE_NAME DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

/// Without the `unique(guid, bag, slot)` the table has.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "character_inventory")]
struct InventoryItem {
    guid: u32,
    bag: u32,
    slot: u8,
    #[bot(key)]
    item: u32,
}

const ENGINES: [&str; 2] = ["InnoDB", "MyISAM"];

/// Every row of `table`, each column as text, in the order of the first column.
async fn rows_of(test: &TestDb, table: &str) -> Vec<Vec<String>> {
    let mut conn = test.conn().await;
    let rows: Vec<playerbot_db::mysql_async::Row> = conn
        .query(format!("SELECT * FROM `{table}` ORDER BY 1"))
        .await
        .unwrap();
    rows.into_iter()
        .map(|row| {
            (0..row.len())
                .map(|i| match row.as_ref(i).unwrap() {
                    playerbot_db::mysql_async::Value::Bytes(b) => {
                        String::from_utf8_lossy(b).into_owned()
                    }
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .collect()
}

async fn table_with(test: &TestDb, ddl: &str, engine: &str, seed: &str) {
    let mut conn = test.conn().await;
    conn.query_drop(ddl.replace("ENGINE_NAME", engine))
        .await
        .unwrap();
    conn.query_drop(seed).await.unwrap();
}

/// The error a refused save must be: a typed duplicate-key error naming entity and key.
fn assert_refused(result: Result<impl std::fmt::Debug, Error>, entity: &str, key: &str) {
    let err = match result {
        Ok(done) => {
            panic!("{entity} {key}: a save that conflicts with another row returned Ok({done:?})")
        }
        Err(err) => err,
    };
    assert!(err.is_duplicate_key(), "{entity} {key}: {err:?}");
    match &err {
        Error::UniqueConflict {
            entity: named,
            key: named_key,
            ..
        } => {
            assert_eq!(*named, entity, "{err}");
            assert_eq!(named_key, key, "{err}");
        }
        Error::PartlySaved { source, .. } => {
            assert!(matches!(**source, Error::UniqueConflict { .. }), "{err:?}")
        }
        other => panic!("{entity} {key}: expected a unique conflict, got {other:?}"),
    }
}

/// Tries every way of saving `row` (which conflicts with another row on a unique key) and
/// checks after each that the table is as it was.
async fn every_path_refuses<E: BotEntity + Clone>(
    test: &TestDb,
    db: &Db,
    table: &str,
    row: &E,
    key: &str,
    transactional: bool,
) {
    let before = rows_of(test, table).await;
    let unchanged = |path: &str, after: Vec<Vec<String>>| {
        assert_eq!(after, before, "{path} of {key} changed the table");
    };
    assert_refused(db.save(row).await, E::META.entity, key);
    unchanged("save", rows_of(test, table).await);

    for mode in [BulkMode::BulkExecute, BulkMode::MultiRow] {
        let saved = db
            .bulk::<E>()
            .mode(mode)
            .allow_partial_writes(!transactional)
            .save(std::slice::from_ref(row))
            .await;
        assert_refused(saved, E::META.entity, key);
        unchanged(&format!("bulk save ({mode:?})"), rows_of(test, table).await);
    }
    if transactional {
        let mut batch = db.batch();
        batch.save(row);
        assert_refused(batch.commit().await, E::META.entity, key);
        unchanged("batch", rows_of(test, table).await);

        let mut tx = db.begin().await.unwrap();
        assert_refused(tx.save(row).await, E::META.entity, key);
        tx.rollback().await.unwrap();
        unchanged("transaction", rows_of(test, table).await);
    }

    // Accepted into the queue; its flush cannot land, and keeps the row for a retry.
    db.save_deferred(row).await.unwrap();
    let flushed = tokio::time::timeout(Duration::from_secs(2), db.flush()).await;
    assert!(flushed.is_err(), "a flush of {key} finished: {flushed:?}");
    unchanged("write-behind flush", rows_of(test, table).await);
    let stalled = db.write_behind_stats().stalled_for;
    assert!(stalled.is_some(), "the stats say the flusher stalls");
    // A direct delete supersedes the queued write: nothing of it is left to flush.
    db.delete::<E>(&row.key()).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), db.flush())
        .await
        .expect("the queue drains once the write is superseded")
        .unwrap();
    unchanged("delete of the refused key", rows_of(test, table).await);
    assert_eq!(db.write_behind_stats().stalled_for, None);
}

#[tokio::test]
async fn an_auto_increment_key_with_a_unique_name_never_changes_another_row() {
    for engine in ENGINES {
        let test = TestDb::new(&format!("live_unique_ai_{engine}")).await;
        table_with(
            &test,
            GUILD_NAMES,
            engine,
            "INSERT INTO playerbots_guild_names VALUES (7, 'Guard 7'), (8, 'Guard 8')",
        )
        .await;
        let db = test
            .bare_db(|b| b.register::<GuildName>().register::<PlainGuildName>())
            .await;
        let transactional = engine == "InnoDB";
        // 'GUARD 7' equals 'Guard 7' under the column's collation.
        let printed = GuildName {
            name_id: 9000,
            name: "GUARD 7".into(),
        };
        every_path_refuses(
            &test,
            &db,
            "playerbots_guild_names",
            &printed,
            "9000",
            transactional,
        )
        .await;
        let plain = PlainGuildName {
            name_id: 9000,
            name: "GUARD 7".into(),
        };
        every_path_refuses(
            &test,
            &db,
            "playerbots_guild_names",
            &plain,
            "9000",
            transactional,
        )
        .await;
        // A new row (key 0) whose name another row holds.
        let new = GuildName {
            name_id: 0,
            name: "guard 8".into(),
        };
        let before = rows_of(&test, "playerbots_guild_names").await;
        assert!(db.save(&new).await.unwrap_err().is_duplicate_key());
        assert_eq!(rows_of(&test, "playerbots_guild_names").await, before);

        // Saves that conflict with nobody still work, the row's own name included.
        db.save(&GuildName {
            name_id: 7,
            name: "Guard 7".into(),
        })
        .await
        .unwrap();
        db.save(&PlainGuildName {
            name_id: 8,
            name: "Warden 8".into(),
        })
        .await
        .unwrap();
        let id = db
            .insert(&GuildName {
                name_id: 0,
                name: "Guard 9".into(),
            })
            .await
            .unwrap()
            .expect("an id");
        db.bulk::<PlainGuildName>()
            .allow_partial_writes(!transactional)
            .save(&[
                PlainGuildName {
                    name_id: 7,
                    name: "Keeper 7".into(),
                },
                PlainGuildName {
                    name_id: 20,
                    name: "Guard 20".into(),
                },
            ])
            .await
            .unwrap_or_else(|err| panic!("{engine}: {err}"));
        assert_eq!(
            rows_of(&test, "playerbots_guild_names").await,
            vec![
                vec!["7".to_owned(), "Keeper 7".to_owned()],
                vec!["8".to_owned(), "Warden 8".to_owned()],
                vec![id.to_string(), "Guard 9".to_owned()],
                vec!["20".to_owned(), "Guard 20".to_owned()],
            ],
            "{engine}"
        );
        db.close().await;
    }
}

#[tokio::test]
async fn a_unique_key_the_entity_does_not_declare_is_guarded_too() {
    for engine in ENGINES {
        let test = TestDb::new(&format!("live_unique_undeclared_{engine}")).await;
        table_with(
            &test,
            INVENTORY,
            engine,
            "INSERT INTO character_inventory VALUES (1, 0, 0, 50000), (1, 0, 1, 50001)",
        )
        .await;
        let db = test.bare_db(|b| b.register::<InventoryItem>()).await;
        let transactional = engine == "InnoDB";
        // A new item into the slot item 50000 holds.
        let item = InventoryItem {
            guid: 1,
            bag: 0,
            slot: 0,
            item: 60000,
        };
        every_path_refuses(
            &test,
            &db,
            "character_inventory",
            &item,
            "60000",
            transactional,
        )
        .await;

        // 100 new items, each into an occupied slot: refused, nothing changed.
        let before = rows_of(&test, "character_inventory").await;
        let crowd: Vec<InventoryItem> = (0..100)
            .map(|i| InventoryItem {
                guid: 1,
                bag: 0,
                slot: (i % 2) as u8,
                item: 70000 + i,
            })
            .collect();
        let saved = db
            .bulk::<InventoryItem>()
            .allow_partial_writes(!transactional)
            .save(&crowd)
            .await;
        assert!(saved.is_err(), "{engine}: {saved:?}");
        assert!(saved.unwrap_err().is_duplicate_key());
        assert_eq!(rows_of(&test, "character_inventory").await, before);

        // An item moved within its own slot, and one into a free slot, are saved.
        db.save(&InventoryItem {
            guid: 1,
            bag: 0,
            slot: 0,
            item: 50000,
        })
        .await
        .unwrap();
        db.save(&InventoryItem {
            guid: 1,
            bag: 0,
            slot: 5,
            item: 60000,
        })
        .await
        .unwrap();
        assert_eq!(
            db.load::<InventoryItem>(&60000)
                .await
                .unwrap()
                .map(|i| i.slot),
            Some(5)
        );
        assert_eq!(rows_of(&test, "character_inventory").await.len(), 3);
        db.close().await;
    }
}

/// Keyed by a nullable text column, beside an AUTO_INCREMENT primary key.
#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "nicknames")]
struct Nickname {
    #[bot(key, max_len = 10)]
    code: String,
    holder: u32,
}

#[tokio::test]
async fn an_upsert_no_guard_can_hold_is_refused_with_a_typed_error() {
    let test = TestDb::new("live_unique_unguarded").await;
    table_with(
        &test,
        "CREATE TABLE nicknames (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         code varchar(10) NULL UNIQUE, holder int unsigned NOT NULL) ENGINE=ENGINE_NAME",
        "InnoDB",
        "INSERT INTO nicknames (id, code, holder) VALUES (1, 'ace', 7)",
    )
    .await;
    let db = test.bare_db(|b| b.register::<Nickname>()).await;
    let row = Nickname {
        code: "ace".into(),
        holder: 8,
    };
    let err = db.save(&row).await.unwrap_err();
    assert!(
        matches!(&err, Error::UnguardedUnique { entity: "Nickname", columns, .. } if columns == "id"),
        "{err:?}"
    );
    let err = db.save_all(std::slice::from_ref(&row)).await.unwrap_err();
    assert!(matches!(err, Error::UnguardedUnique { .. }), "{err:?}");
    // A plain insert matches no row: the server's duplicate key is the answer.
    assert!(db.insert(&row).await.unwrap_err().is_duplicate_key());
    assert_eq!(
        rows_of(&test, "nicknames").await,
        vec![vec!["1".to_owned(), "ace".to_owned(), "7".to_owned()]]
    );
}
