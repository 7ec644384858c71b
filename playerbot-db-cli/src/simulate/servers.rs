//! The servers a simulation runs on: the one `--url` names, one embedded server, a topology
//! of embedded servers (`--shards N --replicas R`: N primaries, each keeping a binary log
//! when it has replicas, and R replicas of each, bot ids split evenly), or the servers of a
//! shard map (`--shard-map FILE`), in the databases it names, or an embedded Galera
//! cluster (`--galera N`).

use playerbot_db::bots::BotState;
use playerbot_db::cluster::{ClusterPolicy, GaleraSpec, Topology};
use playerbot_db::migrate::Migrator;
use playerbot_db::Db;
use playerbot_db::DbBuilder;
use playerbot_db_embedded::{EmbeddedGalera, EmbeddedServer};

use super::{Args, DATABASE};
use crate::error::Error;
use crate::target::Target;

/// Keeps the servers alive for as long as the simulation runs.
pub(super) struct Servers {
    target: Option<Target>,
    embedded: Vec<EmbeddedServer>,
    /// With `--galera`.
    pub(super) galera: Option<EmbeddedGalera>,
}

impl Servers {
    /// Starts (or names) the servers, creates the simulation's database on every primary,
    /// applies the migrations there (replicas get both by replication), and opens the cluster.
    pub(super) async fn open(
        args: &Args,
        configure: impl Fn(DbBuilder) -> DbBuilder,
    ) -> Result<(Servers, Db), Error> {
        if let Some(path) = &args.shard_map {
            return Ok((
                Servers {
                    target: None,
                    embedded: Vec::new(),
                    galera: None,
                },
                on_shard_map(path, configure).await?,
            ));
        }
        if let Some(nodes) = args.galera {
            let galera = EmbeddedGalera::start(nodes).await?;
            eprintln!("started an embedded Galera cluster of {nodes} nodes");
            Target::with_server(galera.urls()[0].clone())
                .fresh_database(DATABASE)
                .await?;
            let mut spec = GaleraSpec::new(galera.urls());
            if nodes < 3 {
                spec = spec.allow_fewer_than_three();
            }
            let cluster = build(Topology::galera(spec), configure).await?;
            migrate(&cluster).await?;
            let servers = Servers {
                target: None,
                embedded: Vec::new(),
                galera: Some(galera),
            };
            return Ok((servers, cluster));
        }
        let (shards, replicas) = (args.shards.max(1), args.replicas);
        if shards == 1 && replicas == 0 {
            let target = Target::open(args.url.clone()).await?;
            target.fresh_database(DATABASE).await?;
            let topology = Topology::single(target.server_url.expose());
            let cluster = build(topology, configure).await?;
            migrate(&cluster).await?;
            return Ok((
                Servers {
                    target: Some(target),
                    embedded: Vec::new(),
                    galera: None,
                },
                cluster,
            ));
        }
        if args.url.is_some() {
            return Err(Error::Usage(
                "--shards and --replicas start embedded servers; leave out --url".into(),
            ));
        }
        let mut embedded = Vec::new();
        let mut topology = Topology::default();
        let width = u64::from(args.bots).div_ceil(u64::from(shards)).max(1);
        for shard in 0..shards {
            let primary = EmbeddedServer::builder()
                .binary_log(replicas > 0)
                .start()
                .await?;
            // Made before the replicas start, so they replicate it.
            Target::with_server(primary.url())
                .fresh_database(DATABASE)
                .await?;
            let mut replica_urls = Vec::new();
            for _ in 0..replicas {
                let replica = primary.start_replica().await?;
                replica_urls.push(replica.url());
                embedded.push(replica);
            }
            let start = u64::from(shard) * width;
            let end = if shard + 1 == shards {
                u64::MAX
            } else {
                start + width
            };
            topology = topology.shard(start..end, primary.url(), replica_urls);
            embedded.push(primary);
        }
        eprintln!(
            "started {} embedded servers: {shards} shards, {replicas} replicas each",
            embedded.len()
        );
        let cluster = build(topology, configure).await?;
        migrate(&cluster).await?;
        Ok((
            Servers {
                target: None,
                embedded,
                galera: None,
            },
            cluster,
        ))
    }

    /// Drops the simulation's database where it was created on a server of the user's.
    pub(super) async fn clean_up(self) -> Result<(), Error> {
        drop(self.embedded);
        drop(self.galera);
        match self.target {
            Some(target) => target.drop_database(DATABASE).await,
            None => Ok(()),
        }
    }
}

async fn build(
    topology: Topology,
    configure: impl Fn(DbBuilder) -> DbBuilder,
) -> Result<Db, Error> {
    let configure = |builder: DbBuilder| configure(builder.database(DATABASE));
    Ok(
        configure(Db::cluster(topology).policy(ClusterPolicy::default()))
            .build()
            .await?,
    )
}

/// The cluster of a shard map's servers, migrated; refused when a primary already holds bots
/// (the verification counts every row).
async fn on_shard_map(
    path: &std::path::Path,
    configure: impl Fn(DbBuilder) -> DbBuilder,
) -> Result<Db, Error> {
    let topology = Topology::from_file(path)?;
    let cluster = configure(Db::cluster(topology).policy(ClusterPolicy::default()))
        .build()
        .await?;
    for shard in 0..cluster.shard_count() {
        let db = cluster.primary(shard);
        let report = Migrator::builtin().run(&db).await?;
        eprintln!("shard {shard}: {} migrations applied", report.applied.len());
        let bots = db.count::<BotState>().await?;
        if bots > 0 {
            cluster.close().await;
            return Err(Error::Usage(format!(
                "shard {shard}'s bot_state already holds {bots} rows; simulate needs empty bot \
                 tables (it checks every row at the end)"
            )));
        }
    }
    Ok(cluster)
}

async fn migrate(cluster: &Db) -> Result<(), Error> {
    for shard in 0..cluster.shard_count() {
        let report = Migrator::builtin().run(&cluster.primary(shard)).await?;
        eprintln!(
            "database {DATABASE} on shard {shard}: {} migrations applied",
            report.applied.len()
        );
    }
    Ok(())
}
