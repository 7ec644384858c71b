//! `playerbot-db simulate`: N bots the way a bot module drives them — every bot moves and
//! saves its state each tick through the write-behind queue, writes events and AI values now
//! and then, the game loop loads bots on a Zipf(0.99) distribution through the cache, and some
//! bots log out and back in — then a report, and a check that the table holds exactly the
//! last state of every bot.

mod plot;
mod progress;
mod report;
mod verify;
mod workload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use playerbot_db::migrate::Migrator;

use crate::error::Error;
use crate::target::Target;

pub(crate) struct Options {
    pub(crate) url: Option<String>,
    pub(crate) bots: u32,
    pub(crate) seconds: u64,
    pub(crate) hz: u32,
    pub(crate) json: Option<PathBuf>,
    pub(crate) plot: Option<PathBuf>,
    pub(crate) metrics: Option<SocketAddr>,
}

/// Database a simulation creates (and drops at the end) on the server.
const DATABASE: &str = "playerbot_simulate";

pub(crate) async fn run(options: Options) -> Result<(), Error> {
    if options.bots == 0 || options.hz == 0 {
        return Err(Error::Usage("--bots and --hz must be at least 1".into()));
    }
    // Installed before anything records, so flush durations from the start are served.
    let metrics = match options.metrics {
        Some(address) => Some(crate::metrics_server::install(address).await?),
        None => None,
    };
    let target = Target::open(options.url.clone()).await?;
    target.fresh_database(DATABASE).await?;
    let db = target
        .builder(DATABASE)
        .register_bot_schema()
        .max_connections(8)
        .build()
        .await?;
    if let Some(server) = &metrics {
        server.serve(db.clone());
        eprintln!("metrics on http://{}/metrics", server.address());
    }
    let report = Migrator::builtin().run(&db).await?;
    eprintln!(
        "database {DATABASE}: {} migrations applied; {} bots at {} Hz for {} s",
        report.applied.len(),
        options.bots,
        options.hz,
        options.seconds
    );
    let started = Instant::now();
    let outcome = match workload::run(&db, &options).await {
        Ok(run) => verify::table_holds(&db, &run.last)
            .await
            .map(|verified| (run, verified)),
        Err(err) => Err(err),
    };
    // The report is taken before the pool closes, so its pool figures are the run's.
    let outcome = outcome.map(|(run, verified)| {
        let mut timeline = run.timeline;
        let text = report::Report::new(
            &db,
            &options,
            run.tally,
            &mut timeline.lag,
            run.seconds,
            verified,
        );
        (text, timeline, verified)
    });
    db.close().await;
    let dropped = target.drop_database(DATABASE).await;
    let (text, timeline, verified) = outcome?;
    dropped?;
    if let Some(path) = &options.plot {
        plot::draw(path, &timeline, &text.latencies)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &options.json {
        std::fs::write(path, text.json()).map_err(|source| Error::Io {
            action: "writing",
            path: path.clone(),
            source,
        })?;
        eprintln!("wrote {}", path.display());
    }
    println!("{}", text.table());
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
    if !verified {
        return Err(Error::Failed(
            "verification failed: the table does not hold the last state of every bot".into(),
        ));
    }
    Ok(())
}
