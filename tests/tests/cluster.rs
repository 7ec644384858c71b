//! Shards and read replicas on real servers: a primary with a replica on MariaDB's own GTID
//! replication, and two shards on two servers. Each test starts the servers it needs.

use std::time::Duration;

use playerbot_db::bots::BotState;
use playerbot_db::cluster::{ClusterPolicy, ReadFrom, Topology};
use playerbot_db::Db;
use playerbot_db::{DbBuilder, Error, WriteBehindConfig};
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_tests::fixtures::bot_state;
use playerbot_db_tests::servers::{eventually, game_url, number_on, run_on, two_shards};

fn bot_state_only(builder: DbBuilder) -> DbBuilder {
    builder.register::<BotState>().cache::<BotState>(None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_reach_the_replica_fall_back_to_the_primary_and_return() {
    let primary = EmbeddedServer::builder()
        .binary_log(true)
        .start()
        .await
        .expect("primary");
    run_on(&primary, "CREATE DATABASE game").await;
    let mut replica = primary.start_replica().await.expect("replica");
    // No background checks: this test decides when replicas are checked.
    let policy = ClusterPolicy {
        check_every: Duration::from_secs(3600),
        catch_up_wait: Duration::from_secs(5),
        ..ClusterPolicy::default()
    };
    let topology = Topology::default().shard(0..u64::MAX, game_url(&primary), [game_url(&replica)]);
    let cluster = bot_state_only(Db::cluster(topology).policy(policy))
        .build()
        .await
        .expect("cluster");
    cluster.primary(0).create_tables().await.unwrap();

    let mut bot = bot_state(7);
    bot.health = 100;
    cluster.save(&bot).await.unwrap();
    // Read-your-writes: the replica waits for the write before it answers.
    let read = cluster
        .load_from::<BotState>(&7, ReadFrom::ReadYourWrites)
        .await;
    assert_eq!(read.unwrap().map(|b| b.health), Some(100));

    // Reads reach the replica: with replication stopped it still has the old value while
    // the primary has the new one.
    replica.stop_replication().await.unwrap();
    bot.health = 50;
    cluster.save(&bot).await.unwrap();
    let from_replica = cluster.load_from::<BotState>(&7, ReadFrom::Replica).await;
    assert_eq!(from_replica.unwrap().map(|b| b.health), Some(100));
    let from_primary = cluster.load_from::<BotState>(&7, ReadFrom::Primary).await;
    assert_eq!(from_primary.unwrap().map(|b| b.health), Some(50));

    // A check sees replication stopped: out of rotation, reads go to the primary.
    cluster.check_replicas().await;
    let health = cluster.replica_health();
    assert!(!health[0].healthy, "{health:?}");
    assert!(
        health[0].problem.contains("replication stopped"),
        "{health:?}"
    );
    let read = cluster.load_from::<BotState>(&7, ReadFrom::Replica).await;
    assert_eq!(read.unwrap().map(|b| b.health), Some(50));

    // Back in rotation once it replicates again, and it has caught up.
    replica.resume_replication().await.unwrap();
    cluster.check_replicas().await;
    assert!(
        cluster.replica_health()[0].healthy,
        "{:?}",
        cluster.replica_health()
    );
    let read = cluster
        .load_from::<BotState>(&7, ReadFrom::ReadYourWrites)
        .await;
    assert_eq!(read.unwrap().map(|b| b.health), Some(50));

    // Killed: reads fall back to the primary and no error reaches the caller.
    replica.kill();
    bot.health = 40;
    cluster.save(&bot).await.unwrap();
    for from in [ReadFrom::Replica, ReadFrom::ReadYourWrites] {
        let read = cluster.load_from::<BotState>(&7, from).await;
        assert_eq!(read.unwrap().map(|b| b.health), Some(40), "{from:?}");
    }
    assert!(!cluster.replica_health()[0].healthy);

    // Restarted: it replicates again (the replica's settings survive a restart) and is back
    // in rotation after a check.
    replica.restart().await.unwrap();
    let back = eventually(async || {
        cluster.check_replicas().await;
        cluster.replica_health()[0].healthy
    })
    .await;
    assert!(back, "{:?}", cluster.replica_health());
    assert!(
        eventually(async || {
            number_on(
                &replica,
                "SELECT health FROM game.bot_state WHERE bot_id = 7",
            )
            .await
                == 40
        })
        .await,
        "the restarted replica caught up"
    );
    cluster.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_land_on_the_shard_of_their_id_range() {
    let (a, b, cluster) = two_shards(bot_state_only).await;
    let rows: Vec<BotState> = (990..1_010).map(bot_state).collect();
    let report = cluster.save_all(&rows).await.unwrap();
    assert_eq!(report.rows, 20);
    let count = "SELECT COUNT(*) FROM game.bot_state";
    assert_eq!(number_on(&a, count).await, 10);
    assert_eq!(number_on(&b, count).await, 10);
    assert_eq!(
        number_on(&a, "SELECT MAX(bot_id) FROM game.bot_state").await,
        999
    );
    assert_eq!(
        number_on(&b, "SELECT MIN(bot_id) FROM game.bot_state").await,
        1_000
    );
    // load_many over both shards, in the order asked.
    let keys = [1_005, 3, 995, 1_009, 2_000_000];
    let found = cluster
        .load_many_from::<BotState>(&keys, ReadFrom::Primary)
        .await
        .unwrap();
    let ids: Vec<Option<u32>> = found.iter().map(|b| b.as_ref().map(|b| b.bot_id)).collect();
    assert_eq!(ids, [Some(1_005), None, Some(995), Some(1_009), None]);
    // Single writes route too.
    cluster.save(&bot_state(5_000)).await.unwrap();
    assert_eq!(number_on(&b, count).await, 11);

    // A transaction stays on its shard.
    let mut tx = cluster.begin().await.unwrap();
    tx.save(&bot_state(6)).await.unwrap();
    let err = tx.save(&bot_state(1_500)).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::CrossShard {
                shard: 1,
                transaction_shard: 0,
                ..
            }
        ),
        "{err:?}"
    );
    tx.commit().await.unwrap();
    assert_eq!(number_on(&a, count).await, 11);
    assert_eq!(number_on(&b, count).await, 11);
    cluster.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_behind_keeps_writing_the_shards_that_are_up() {
    let configure = |builder: DbBuilder| {
        bot_state_only(builder)
            .max_reconnect_delay(Duration::from_millis(200))
            .connect_timeout(Duration::from_millis(500))
            .write_behind(WriteBehindConfig {
                interval: Duration::from_millis(50),
                ..WriteBehindConfig::default()
            })
    };
    let (a, mut b, cluster) = two_shards(configure).await;
    b.kill();
    for bot_id in (900..1_100).step_by(10) {
        cluster.save_deferred(&bot_state(bot_id)).await.unwrap();
    }
    let count = "SELECT COUNT(*) FROM game.bot_state";
    // Shard 0's rows are written while shard 1 is down.
    assert!(eventually(async || number_on(&a, count).await == 10).await);
    let waiting = cluster.primary(1).write_behind_stats().depth;
    assert_eq!(waiting, 10, "shard 1's rows wait in its queue");

    // After the restart they land, none lost.
    b.restart().await.unwrap();
    assert!(eventually(async || number_on(&b, count).await == 10).await);
    tokio::time::timeout(Duration::from_secs(20), cluster.flush())
        .await
        .expect("flush in time")
        .unwrap();
    assert_eq!(cluster.primary(1).write_behind_stats().depth, 0);
    cluster.close().await;
}

#[test]
fn a_topology_from_text_refuses_gaps() {
    let err = Topology::parse("0..100 mysql://a/game\n200.. mysql://b/game").unwrap_err();
    assert!(err.to_string().contains("without gaps"), "{err}");
}

/// A tiny xorshift, so the cancellation points differ from call to call but not run to run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_calls_cancelled_at_random_points_leave_nothing_behind() {
    let (a, b, cluster) = two_shards(|builder| bot_state_only(builder).max_connections(4)).await;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Each bulk call writes its own `flags` value over 900..1100 (100 rows on each shard).
    for call in 1..=150u32 {
        let deadline = Duration::from_micros(rng.below(4_000));
        let work = async {
            match rng.below(4) {
                0 | 1 => {
                    let rows: Vec<BotState> = (900..1_100)
                        .map(|id| BotState {
                            flags: call,
                            ..bot_state(id)
                        })
                        .collect();
                    cluster.save_all(&rows).await.map(drop)
                }
                2 => cluster
                    .load_many_from::<BotState>(&[950, 1_050, 999, 1_000], ReadFrom::Primary)
                    .await
                    .map(drop),
                _ => {
                    let mut tx = cluster.begin().await?;
                    tx.save(&BotState {
                        flags: call,
                        ..bot_state(950)
                    })
                    .await?;
                    tx.commit().await
                }
            }
        };
        let _ = tokio::time::timeout(deadline, work).await;
    }
    // Quiet now: no transaction stays open on either server, and on each shard every row of
    // the bulk range holds the value of one call (each shard's part is whole or absent).
    // Bot 950 is also written by the transactions, so it is left out of the counts.
    for (server, ids, whole) in [(&a, "900 AND 999", 99), (&b, "1000 AND 1099", 100)] {
        let open = "SELECT COUNT(*) FROM information_schema.INNODB_TRX";
        assert!(
            eventually(async || number_on(server, open).await == 0).await,
            "a transaction stayed open"
        );
        let values = number_on(
            server,
            &format!(
                "SELECT COUNT(DISTINCT flags) FROM game.bot_state \
                 WHERE bot_id BETWEEN {ids} AND bot_id <> 950"
            ),
        )
        .await;
        let rows = number_on(
            server,
            &format!(
                "SELECT COUNT(*) FROM game.bot_state WHERE bot_id BETWEEN {ids} AND bot_id <> 950"
            ),
        )
        .await;
        assert!(values <= 1, "a bulk save landed in part: {values} values");
        assert!(rows == 0 || rows == whole, "{rows} rows");
    }
    // Every call works afterwards.
    let rows: Vec<BotState> = (900..1_100).map(bot_state).collect();
    cluster.save_all(&rows).await.unwrap();
    let found = cluster
        .load_many_from::<BotState>(&[950, 1_050], ReadFrom::Primary)
        .await
        .unwrap();
    assert!(found.iter().all(Option::is_some));
    cluster.close().await;
}
