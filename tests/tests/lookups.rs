//! The reads a bot module runs besides "by key": all rows of one bot (a key prefix), rows by
//! an indexed or unique column, deletes and counts by the same, and a scan in key order with
//! bounded memory. Each uses its index and, where the partition key is given, one partition
//! (checked with EXPLAIN). Every body runs on one server and on two shards, unchanged.

use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Params, Row, Value};
use playerbot_db::{BotEntity, Db, Dialect};
use playerbot_db_tests::entities::BotAccount;
use playerbot_db_tests::{round_trip, TestDb};

#[derive(Debug, Clone, PartialEq, BotEntity)]
#[bot(table = "bot_talent", partition(width = 100, count = 4))]
struct Talent {
    #[bot(key, partition_key)]
    bot_id: u32,
    #[bot(key)]
    talent_id: u32,
    rank: u8,
}

fn talent(bot_id: u32, talent_id: u32) -> Talent {
    Talent {
        bot_id,
        talent_id,
        rank: (talent_id % 5) as u8,
    }
}

async fn open(test: &TestDb) -> Db {
    let db = test
        .bare_db(|b| b.register::<Talent>().register::<BotAccount>())
        .await;
    db.create_tables().await.unwrap();
    db
}

/// `(key, partitions)` of each row of the server's EXPLAIN of `sql` with `params`.
async fn explain(
    test: &TestDb,
    sql: &str,
    params: Vec<Value>,
) -> Vec<(Option<String>, Option<String>)> {
    let mut conn = test.conn().await;
    let explain = match round_trip::dialect(&mut conn).await {
        Dialect::MariaDb => "EXPLAIN PARTITIONS ",
        Dialect::MySql => "EXPLAIN ",
    };
    let rows: Vec<Row> = conn
        .exec(format!("{explain}{sql}"), Params::Positional(params))
        .await
        .unwrap();
    let column = |row: &Row, name: &str| -> Option<String> {
        let i = row
            .columns_ref()
            .iter()
            .position(|c| c.name_str() == name)?;
        row.get_opt::<Option<String>, _>(i)?.ok().flatten()
    };
    rows.iter()
        .map(|row| (column(row, "key"), column(row, "partitions")))
        .collect()
}

async fn dialect_of(test: &TestDb) -> Dialect {
    round_trip::dialect(&mut test.conn().await).await
}

async fn rows_of_one_bot_by_key_prefix(test: TestDb) {
    let db = open(&test).await;
    // Saved out of order, for three bots.
    let mut rows: Vec<Talent> = (0..20)
        .rev()
        .flat_map(|t| [talent(1, t), talent(2, t), talent(150, t)])
        .collect();
    rows.reverse();
    db.save_all(&rows).await.unwrap();

    let bot_two = db.load_by(&Talent::by_bot_id(2u32)).await.unwrap();
    let expected: Vec<Talent> = (0..20).map(|t| talent(2, t)).collect();
    assert_eq!(bot_two, expected, "one bot's rows, in key order");
    assert_eq!(db.count_by(&Talent::by_bot_id(150u32)).await.unwrap(), 20);
    assert_eq!(db.count::<Talent>().await.unwrap(), 60);
    assert!(db
        .load_by(&Talent::by_bot_id(3u32))
        .await
        .unwrap()
        .is_empty());

    assert_eq!(db.delete_by(&Talent::by_bot_id(2u32)).await.unwrap(), 20);
    assert_eq!(db.count_by(&Talent::by_bot_id(2u32)).await.unwrap(), 0);
    assert_eq!(
        db.count::<Talent>().await.unwrap(),
        40,
        "other bots untouched"
    );

    // The prefix holds the partition key: the primary key is used and one partition read.
    let dialect = dialect_of(&test).await;
    let lookup = &Talent::META.statements(dialect).lookups[0];
    for sql in [lookup.select, lookup.count] {
        let plan = explain(&test, sql, vec![Value::UInt(150)]).await;
        assert_eq!(plan.len(), 1, "{plan:?}");
        assert_eq!(plan[0].0.as_deref(), Some("PRIMARY"), "{sql}: {plan:?}");
        assert_eq!(plan[0].1.as_deref(), Some("p1"), "{sql}: {plan:?}");
    }
}

async fn rows_by_an_indexed_or_unique_column(test: TestDb) {
    let db = open(&test).await;
    let account = |bot_id: u32, name: &str, account_id: u32| BotAccount {
        bot_id,
        name: name.to_owned(),
        account_id,
    };
    db.save_all(&[
        account(3, "carol", 7),
        account(1, "alice", 7),
        account(2, "bob", 8),
    ])
    .await
    .unwrap();
    assert_eq!(
        db.load_by(&BotAccount::by_account_id(7u32)).await.unwrap(),
        vec![account(1, "alice", 7), account(3, "carol", 7)]
    );
    assert_eq!(
        db.load_by(&BotAccount::by_name("bob")).await.unwrap(),
        vec![account(2, "bob", 8)]
    );
    assert_eq!(
        db.count_by(&BotAccount::by_account_id(7u32)).await.unwrap(),
        2
    );
    assert_eq!(
        db.delete_by(&BotAccount::by_name("alice")).await.unwrap(),
        1
    );
    assert_eq!(db.count::<BotAccount>().await.unwrap(), 2);

    let dialect = dialect_of(&test).await;
    let lookups = BotAccount::META.statements(dialect).lookups;
    let by_name = explain(&test, lookups[0].select, vec![Value::from("bob")]).await;
    assert_eq!(by_name[0].0.as_deref(), Some("name"), "{by_name:?}");
    let by_account = explain(&test, lookups[1].select, vec![Value::UInt(7)]).await;
    assert_eq!(
        by_account[0].0.as_deref(),
        Some("account_id"),
        "{by_account:?}"
    );
}

async fn a_scan_reads_in_key_order_a_batch_at_a_time(test: TestDb) {
    let db = open(&test).await;
    let rows: Vec<Talent> = (0..250)
        .rev()
        .flat_map(|b| (0..10).map(move |t| talent(b, t)))
        .collect();
    db.save_all(&rows).await.unwrap();

    let mut scan = db.scan::<Talent>(None, 300).unwrap();
    let mut seen = Vec::new();
    loop {
        let batch = scan.next_batch().await.unwrap();
        assert!(batch.len() <= 300);
        if batch.is_empty() {
            break;
        }
        seen.extend(batch);
    }
    let mut expected = rows.clone();
    expected.sort_by_key(|t| (t.bot_id, t.talent_id));
    assert_eq!(seen, expected, "every row once, in key order");

    // One partition: bots 100..199 only, read from that partition alone.
    let mut scan = db.scan::<Talent>(Some(1), 64).unwrap();
    let mut partition = Vec::new();
    loop {
        let batch = scan.next_batch().await.unwrap();
        if batch.is_empty() {
            break;
        }
        partition.extend(batch);
    }
    assert_eq!(partition.len(), 1_000);
    assert!(partition.iter().all(|t| (100..200).contains(&t.bot_id)));
    assert!(partition
        .windows(2)
        .all(|w| (w[0].bot_id, w[0].talent_id) < (w[1].bot_id, w[1].talent_id)));
    let dialect = dialect_of(&test).await;
    let next = Talent::META.statements(dialect).scan.next_in_range;
    let plan = explain(
        &test,
        next,
        vec![
            Value::UInt(100),
            Value::UInt(200),
            Value::UInt(120),
            Value::UInt(3),
            Value::UInt(64),
        ],
    )
    .await;
    assert_eq!(plan[0].0.as_deref(), Some("PRIMARY"), "{plan:?}");
    assert_eq!(plan[0].1.as_deref(), Some("p1"), "{plan:?}");
}

playerbot_db_tests::on_one_server_and_two_shards! {
    rows_of_one_bot_by_key_prefix: "lookup_prefix",
    rows_by_an_indexed_or_unique_column: "lookup_index",
    a_scan_reads_in_key_order_a_batch_at_a_time: "lookup_scan",
}
