//! `playerbot-db simulate`: N bots the way a bot module drives them — every bot moves and
//! saves its state each tick through the write-behind queue, writes events and AI values now
//! and then, the game loop loads bots on a Zipf(0.99) distribution through the cache, and some
//! bots log out and back in — then a report, and a check that the table holds exactly the
//! last state of every bot.

mod args;
mod galera;
mod login;
mod plot;
mod progress;
mod rate;
mod report;
mod servers;
mod verify;
mod workload;

use std::time::{Duration, Instant};

use crate::error::Error;

pub(crate) use args::Args;

/// Database a simulation creates (and drops at the end) on the server.
const DATABASE: &str = "playerbot_simulate";

pub(crate) async fn run(args: Args) -> Result<(), Error> {
    if args.bots == 0 || args.hz == 0 {
        return Err(Error::Usage("--bots and --hz must be at least 1".into()));
    }
    // Installed before anything records, so flush durations from the start are served.
    let metrics = match args.metrics {
        Some(address) => Some(crate::metrics_server::install(address).await?),
        None => None,
    };
    let (mut servers, cluster) = servers::Servers::open(&args, |builder| {
        builder.register_bot_schema().max_connections(8)
    })
    .await?;
    if let Some(server) = metrics {
        let address = server.address();
        server.serve(cluster.clone());
        eprintln!("metrics on http://{address}/metrics");
    }
    eprintln!(
        "{} bots at {} Hz for {} s",
        args.bots, args.hz, args.seconds
    );
    let started = Instant::now();
    let mut galera = servers.galera.as_ref().map(|nodes| galera::Outcome {
        nodes: nodes.len(),
        ..galera::Outcome::default()
    });
    let workload = workload::run(&cluster, &args);
    let ran = match (servers.galera.as_mut(), args.kill_node_after) {
        (Some(nodes), Some(after)) => {
            let kill = galera::kill_writer_after(nodes, &cluster, Duration::from_secs(after));
            let (ran, killed) = tokio::join!(workload, kill);
            if let Some(outcome) = galera.as_mut() {
                outcome.killed = Some(killed?);
            }
            ran
        }
        _ => workload.await,
    };
    let outcome = match ran {
        Ok(run) if matches!(run.moved, Some(Err(_))) => {
            let Some(Err(err)) = run.moved else {
                unreachable!()
            };
            Err(Error::Failed(format!("the range move failed: {err}")))
        }
        Ok(run) => verify::tables_hold(&cluster, &run.last)
            .await
            .map(|verified| (run, verified)),
        Err(err) => Err(err),
    };
    // On Galera, every node too (the killed one once it rejoined).
    let outcome = match (outcome, servers.galera.as_mut(), galera.as_mut()) {
        (Ok((run, mut verified)), Some(nodes), Some(report)) => {
            let killed = report.killed.map(|(node, _)| node);
            galera::check_nodes(nodes, killed, &run.last)
                .await
                .map(|(lost, problems)| {
                    report.lost_saves = lost;
                    verified.extend(problems);
                    (run, verified)
                })
        }
        (outcome, _, _) => outcome,
    };
    // Every bot logs in at once, on the tables just verified.
    let outcome = match outcome {
        Ok((run, mut verified)) => login::storm(&cluster, &run.last).await.map(|login| {
            verified.extend(login.problems.clone());
            (run, verified, Some(login))
        }),
        Err(err) => Err(err),
    };
    // The report is taken before the pool closes, so its pool figures are the run's.
    let outcome = outcome.map(|(run, verified, login)| {
        let mut timeline = run.timeline;
        let text = report::Report::new(
            &cluster,
            &args,
            run.tally,
            &mut timeline.lag,
            run.seconds,
            &verified,
            report::Happened {
                moved: run.moved,
                galera: galera.as_ref(),
                login: login.as_ref(),
            },
        );
        (text, timeline, verified)
    });
    cluster.close().await;
    let dropped = servers.clean_up().await;
    let (text, timeline, verified) = outcome?;
    dropped?;
    if let Some(path) = &args.plot {
        plot::draw(path, &timeline, &text.latencies)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.json {
        std::fs::write(path, text.json()).map_err(|source| Error::Io {
            action: "writing",
            path: path.clone(),
            source,
        })?;
        eprintln!("wrote {}", path.display());
    }
    println!("{}", text.table());
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
    if !verified.passed() {
        return Err(Error::Failed(format!(
            "verification failed: {}",
            verified.problems()
        )));
    }
    Ok(())
}
