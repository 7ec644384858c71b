//! `playerbot-db stats`: what an operator watches — table and partition sizes, the buffer
//! pool, row locks and deadlocks, connections, the most expensive statements, replication.

use std::path::PathBuf;

use playerbot_db::cluster::{ClusterPolicy, Topology};
use playerbot_db::Db;
use playerbot_db::ServerStats;

use crate::error::Error;
use crate::target::command_db;

/// Show what an operator watches: table and partition sizes, the InnoDB buffer pool hit
/// rate, row lock waits and deadlocks, connections, the most expensive statements
/// (performance_schema) and replication.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  playerbot-db stats --url mysql://bots:secret@127.0.0.1:3306/characters
  playerbot-db stats                                 a fresh private server with the bot schema
  playerbot-db stats --shards shards.txt             every shard, every replica's lag and every
                                                     Galera node's state")]
pub(crate) struct Args {
    /// Database URL (mysql://user:pass@host:port/database); default: a private embedded
    /// server with the built-in bot schema.
    #[arg(long, env = "PLAYERBOT_DB_URL")]
    url: Option<String>,
    /// A shard map (one `START..END PRIMARY_URL [REPLICA_URL …]` per line; or set
    /// PLAYERBOT_DB_SHARDS): every shard's stats and every replica's lag and health.
    #[arg(long, conflicts_with = "url")]
    shards: Option<PathBuf>,
}

pub(crate) async fn run(args: Args) -> Result<(), Error> {
    match args.shards {
        Some(path) => run_on_shards(Topology::from_file(path)?).await,
        None => match Topology::from_env() {
            Some(topology) => run_on_shards(topology.map_err(playerbot_db::Error::from)?).await,
            None => run_on_one(args.url).await,
        },
    }
}

/// Every shard's primary, then every replica's replication as the health check sees it.
async fn run_on_shards(topology: Topology) -> Result<(), Error> {
    let cluster = Db::cluster(topology)
        .policy(ClusterPolicy::default())
        .register_bot_schema()
        .max_connections(2)
        .build()
        .await?;
    // The ids each shard holds now: the shared map's routes, moves included.
    let routes = cluster.routes();
    for (index, spec) in cluster.topology().shards().iter().enumerate() {
        let db = cluster.primary(index);
        let ids: Vec<String> = routes
            .iter()
            .filter(|(_, shard)| *shard == index)
            .map(|(range, _)| crate::shard::ids_text(range))
            .collect();
        let ids = if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        };
        let writes_to = match spec.galera {
            Some(_) => {
                let galera = cluster.galera_health();
                let writer = galera
                    .iter()
                    .filter(|(shard, _)| *shard == index)
                    .flat_map(|(_, nodes)| nodes.iter())
                    .find(|node| node.writer)
                    .map_or_else(|| "none".to_owned(), |node| node.url.clone());
                format!("Galera writer {writer}")
            }
            None => format!("primary {}", spec.primary),
        };
        println!(
            "== shard {index}: bot ids {ids}, {writes_to}, server {}",
            db.flavor().await?
        );
        print!("{}", render(&db.server_stats().await?));
    }
    cluster.check_replicas().await;
    let health = cluster.replica_health();
    if health.is_empty() {
        println!("== replicas: none");
    }
    for replica in health {
        println!(
            "== replica of shard {}: {} — {}, lag {}{}",
            replica.shard,
            replica.url,
            if replica.healthy {
                "in rotation"
            } else {
                "OUT of rotation"
            },
            replica
                .lag_seconds
                .map_or_else(|| "unknown".to_owned(), |s| format!("{s} s")),
            if replica.problem.is_empty() {
                String::new()
            } else {
                format!(" ({})", replica.problem)
            }
        );
    }
    for (shard, nodes) in cluster.galera_health() {
        for (index, node) in nodes.iter().enumerate() {
            println!(
                "== Galera node {index} of shard {shard}: {}",
                galera_node_line(node)
            );
        }
    }
    cluster.close().await;
    Ok(())
}

/// `url — writer, Synced, Primary of 3, flow control paused 0.000, …` or why it is out.
fn galera_node_line(node: &playerbot_db::cluster::GaleraNodeHealth) -> String {
    if let Some(error) = &node.error {
        return format!("{} — unreachable ({error})", node.url);
    }
    format!(
        "{} — {}{}, {} of {}, flow control paused {:.3}, certification failures {}, receive queue {}",
        node.url,
        if node.writer { "writer, " } else { "" },
        node.state,
        node.cluster_status,
        node.cluster_size,
        node.flow_control_paused,
        node.cert_failures,
        node.recv_queue
    )
}

async fn run_on_one(url: Option<String>) -> Result<(), Error> {
    let (_target, db) = command_db(url, true).await?;
    let stats = db.server_stats().await?;
    let flavor = db.flavor().await?;
    db.close().await;
    println!("server {flavor}, up {} s", stats.uptime_seconds);
    print!("{}", render(&stats));
    Ok(())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn render(stats: &ServerStats) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!(
        "{:<28} {:>12} {:>10} {:>10}",
        "table", "rows (est.)", "data MiB", "index MiB"
    ));
    for table in &stats.tables {
        line(format!(
            "{:<28} {:>12} {:>10.2} {:>10.2}",
            table.table,
            table.rows,
            mib(table.data_bytes),
            mib(table.index_bytes)
        ));
    }
    if !stats.partitions.is_empty() {
        line(format!(
            "{:<28} {:>12} {:>10} {:>10}",
            "partition", "rows (est.)", "data MiB", "index MiB"
        ));
        for partition in &stats.partitions {
            line(format!(
                "{:<28} {:>12} {:>10.2} {:>10.2}",
                format!("{}.{}", partition.table, partition.partition),
                partition.rows,
                mib(partition.data_bytes),
                mib(partition.index_bytes)
            ));
        }
    }
    line(match stats.buffer_pool_hit_rate {
        Some(rate) => format!("InnoDB buffer pool hit rate {rate:.4}"),
        None => "InnoDB buffer pool hit rate: no reads yet".to_owned(),
    });
    line(format!(
        "row lock waits {} ({} ms waited), deadlocks {}",
        stats.row_lock_waits,
        stats.row_lock_time_ms,
        stats.deadlocks.map_or_else(
            || "not counted by this server".to_owned(),
            |d| d.to_string()
        )
    ));
    line(format!(
        "threads connected {}, running {}; slow queries {}",
        stats.threads_connected, stats.threads_running, stats.slow_queries
    ));
    match &stats.top_statements {
        None => line(
            "most expensive statements: performance_schema is off (start the server with \
             --performance-schema=ON to see them)"
                .to_owned(),
        ),
        Some(top) => {
            line("most expensive statements (total s, calls, mean ms, max ms):".to_owned());
            for statement in top {
                line(format!(
                    "  {:>9.3} {:>9} {:>9.3} {:>9.3}  {}",
                    statement.total_seconds,
                    statement.calls,
                    statement.mean_seconds * 1e3,
                    statement.max_seconds * 1e3,
                    statement.digest
                ));
            }
        }
    }
    line(match &stats.replica {
        None => "replication: this server is not a replica".to_owned(),
        Some(replica) => format!(
            "replication: io {} sql {}, {} behind{}",
            if replica.io_running {
                "running"
            } else {
                "STOPPED"
            },
            if replica.sql_running {
                "running"
            } else {
                "STOPPED"
            },
            replica
                .seconds_behind
                .map_or_else(|| "unknown".to_owned(), |s| format!("{s} s")),
            if replica.last_error.is_empty() {
                String::new()
            } else {
                format!("; last error: {}", replica.last_error)
            }
        ),
    });
    out
}
