//! Scale-out scenarios on servers of their own: reads spread over a primary and a replica
//! against the primary alone, a bulk save over two shards against one, and what routing a
//! deferred save through a two-shard cluster costs over the shard's own pool. Every server
//! shares this machine's cores, so these measure the routing's cost and what is left of the
//! gain when nothing runs in parallel for real.

use std::time::Instant;

use playerbot_db::bots::BotState;
use playerbot_db::cluster::{ClusterPolicy, ReadFrom, Topology};
use playerbot_db::Db;
use playerbot_db::DbBuilder;
use playerbot_db_embedded::EmbeddedServer;

use super::measure::Samples;
use super::scenarios::Outcome;
use super::seed_state;
use crate::error::Error;
use crate::target::Target;

/// Tasks reading at once in `replica_read`.
const READERS: usize = 8;
const REPLICA_BOTS: u32 = 5_000;
const SHARD_BOTS: u32 = 10_000;

fn bot_state_only(builder: DbBuilder) -> DbBuilder {
    builder
        .register::<BotState>()
        .cache::<BotState>(None)
        .max_connections(READERS + 2)
}

async fn create_database(server: &EmbeddedServer, name: &str) -> Result<(), Error> {
    Target::with_server(server.url()).fresh_database(name).await
}

/// `READERS` tasks doing `n` point loads between them, reading from `spread(task)`; the
/// samples of every load and the wall time.
async fn read_round(
    cluster: &Db,
    n: usize,
    spread: fn(usize) -> ReadFrom,
) -> Result<Samples, Error> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..READERS)
        .map(|task| {
            let cluster = cluster.clone();
            tokio::spawn(async move {
                let mut samples = Samples::with_capacity(n / READERS);
                for i in 0..n / READERS {
                    let bot_id = ((i * 7_919 + task) as u32) % REPLICA_BOTS;
                    let at = Instant::now();
                    cluster.load_from::<BotState>(&bot_id, spread(task)).await?;
                    samples.record(at);
                }
                Ok::<_, playerbot_db::Error>(samples)
            })
        })
        .collect();
    let mut parts = Vec::with_capacity(READERS);
    for task in tasks {
        parts.push(task.await??);
    }
    Ok(Samples::merge_parallel(parts, started.elapsed()))
}

/// Point loads from 8 tasks, half of them reading from a replica, against the same loads
/// all on the primary.
pub(crate) async fn replica_read(n: usize) -> Result<Outcome, Error> {
    let primary = EmbeddedServer::builder().binary_log(true).start().await?;
    create_database(&primary, "game").await?;
    let replica = primary.start_replica().await?;
    let topology = Topology::default().shard(
        0..u64::MAX,
        format!("{}game", primary.url()),
        [format!("{}game", replica.url())],
    );
    let cluster = bot_state_only(Db::cluster(topology).policy(ClusterPolicy::default()))
        .build()
        .await?;
    cluster.primary(0).create_tables().await?;
    let rows: Vec<BotState> = (0..REPLICA_BOTS).map(seed_state).collect();
    cluster.save_all(&rows).await?;
    // Seeded rows are on the replica before any read is timed.
    cluster
        .load_from::<BotState>(&(REPLICA_BOTS - 1), ReadFrom::ReadYourWrites)
        .await?;
    let mut ours = Samples::default();
    let mut baseline = Samples::default();
    for _ in 0..2 {
        ours.extend(
            read_round(&cluster, n / 2, |task| {
                if task % 2 == 0 {
                    ReadFrom::Primary
                } else {
                    ReadFrom::Replica
                }
            })
            .await?,
        );
        baseline.extend(read_round(&cluster, n / 2, |_| ReadFrom::Primary).await?);
    }
    cluster.close().await;
    Ok(Outcome { ours, baseline })
}

/// 10,000 bots saved in one call over two shards (two servers, written at once) against the
/// same call on one server.
pub(crate) async fn two_shard_bulk_save(rounds: usize) -> Result<Outcome, Error> {
    let (a, b) = (
        EmbeddedServer::start().await?,
        EmbeddedServer::start().await?,
    );
    for server in [&a, &b] {
        create_database(server, "game").await?;
    }
    create_database(&a, "single").await?;
    let half = u64::from(SHARD_BOTS / 2);
    let two = Topology::default()
        .shard(0..half, format!("{}game", a.url()), Vec::<String>::new())
        .shard(
            half..u64::MAX,
            format!("{}game", b.url()),
            Vec::<String>::new(),
        );
    let one = Topology::single(format!("{}single", a.url()));
    let two = bot_state_only(Db::cluster(two).policy(ClusterPolicy::default()))
        .build()
        .await?;
    let one = bot_state_only(Db::cluster(one).policy(ClusterPolicy::default()))
        .build()
        .await?;
    for (cluster, shards) in [(&two, 2), (&one, 1)] {
        for shard in 0..shards {
            cluster.primary(shard).create_tables().await?;
        }
    }
    let (mut ours, mut baseline) = (Samples::default(), Samples::default());
    for round in 0..rounds.max(2) {
        let rows: Vec<BotState> = (0..SHARD_BOTS)
            .map(|id| BotState {
                updated_at: round as i64,
                ..seed_state(id)
            })
            .collect();
        // Alternating which goes first, so drift hits both alike.
        for side in [round % 2, 1 - round % 2] {
            let (cluster, samples) = if side == 0 {
                (&two, &mut ours)
            } else {
                (&one, &mut baseline)
            };
            let at = Instant::now();
            cluster.save_all(&rows).await?;
            samples.record(at);
        }
    }
    two.close().await;
    one.close().await;
    Ok(Outcome { ours, baseline })
}

/// `save_deferred` through a two-shard cluster (routing by bot id, the pass through the
/// write gate a range move holds) against the same call on the shard's own pool, a call
/// each in turn. Both shards are databases of one server: only the routing differs.
pub(crate) async fn cluster_save_deferred(n: usize) -> Result<Outcome, Error> {
    let server = EmbeddedServer::start().await?;
    for name in ["shard_a", "shard_b"] {
        create_database(&server, name).await?;
    }
    let half = u64::from(SHARD_BOTS / 2);
    let topology = Topology::default()
        .shard(
            0..half,
            format!("{}shard_a", server.url()),
            Vec::<String>::new(),
        )
        .shard(
            half..u64::MAX,
            format!("{}shard_b", server.url()),
            Vec::<String>::new(),
        );
    let cluster = Db::cluster(topology)
        .policy(ClusterPolicy::default())
        .register::<BotState>()
        .build()
        .await?;
    for shard in 0..2 {
        cluster.primary(shard).create_tables().await?;
    }
    let (mut ours, mut baseline) = (Samples::with_capacity(n), Samples::with_capacity(n));
    for i in 0..n {
        let row = BotState {
            updated_at: i as i64,
            ..seed_state((i as u32 * 7_919) % SHARD_BOTS)
        };
        let at = Instant::now();
        cluster.save_deferred(&row).await?;
        ours.record(at);
        let own = cluster.primary(cluster.shard_of_id(u64::from(row.bot_id)));
        let at = Instant::now();
        own.save_deferred(&row).await?;
        baseline.record(at);
    }
    cluster.flush().await?;
    cluster.close().await;
    Ok(Outcome { ours, baseline })
}
