//! Galera scenarios on an embedded 3-node cluster: a 5,000-bot bulk save there against the
//! same call on one server, and writer kills under a write-behind load (the write stall of
//! each against a write-behind round while nothing fails, and the saves lost). All three
//! nodes share this machine's cores, and every commit waits for the other two.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::cluster::{ClusterPolicy, GaleraSpec, Topology};
use playerbot_db::{Db, WriteBehindConfig};
use playerbot_db_embedded::{EmbeddedGalera, EmbeddedServer};

use super::measure::Samples;
use super::scenarios::Outcome;
use super::seed_state;
use crate::error::Error;
use crate::galera::{kill_writer, states_on};
use crate::target::Target;

const BOTS: u32 = 5_000;
const DATABASE: &str = "game";
/// Writer kills in `galera_failover`.
pub(crate) const KILLS: usize = 5;

async fn cluster() -> Result<(EmbeddedGalera, Db), Error> {
    let galera = EmbeddedGalera::start(3).await?;
    Target::with_server(galera.urls()[0].clone())
        .fresh_database(DATABASE)
        .await?;
    let urls = galera
        .urls()
        .iter()
        .map(|url| format!("{url}{DATABASE}"))
        .collect::<Vec<_>>();
    let db = Db::cluster(Topology::galera(GaleraSpec::new(urls)))
        .policy(ClusterPolicy::default())
        .register::<BotState>()
        .cache::<BotState>(None)
        .write_behind(WriteBehindConfig {
            interval: Duration::from_millis(20),
            ..WriteBehindConfig::default()
        })
        .build()
        .await?;
    db.create_tables().await?;
    Ok((galera, db))
}

fn rows(round: usize) -> Vec<BotState> {
    (0..BOTS)
        .map(|id| BotState {
            updated_at: round as i64,
            ..seed_state(id)
        })
        .collect()
}

/// 5,000 bots saved in one call on a 3-node cluster against one server.
pub(crate) async fn galera_bulk_save(rounds: usize) -> Result<Outcome, Error> {
    let (galera, on_galera) = cluster().await?;
    let single = EmbeddedServer::start().await?;
    Target::with_server(single.url())
        .fresh_database(DATABASE)
        .await?;
    let on_one = Db::builder(format!("{}{DATABASE}", single.url()))
        .register::<BotState>()
        .cache::<BotState>(None)
        .build()
        .await?;
    on_one.create_tables().await?;
    let (mut ours, mut baseline) = (Samples::default(), Samples::default());
    for round in 0..rounds.max(2) {
        let rows = rows(round);
        // Alternating which goes first, so drift hits both alike.
        for side in [round % 2, 1 - round % 2] {
            let (db, samples) = if side == 0 {
                (&on_galera, &mut ours)
            } else {
                (&on_one, &mut baseline)
            };
            let at = Instant::now();
            db.save_all(&rows).await?;
            samples.record(at);
        }
    }
    on_galera.close().await;
    on_one.close().await;
    drop(galera);
    Ok(Outcome { ours, baseline })
}

/// [`KILLS`] writer kills while every bot saves through the queue five times a second:
/// ours is each kill's stall (the kill until a write-behind round landed on the new
/// writer), the baseline a write-behind round while nothing fails; the number is the
/// accepted saves missing on any node at the end.
pub(crate) async fn galera_failover() -> Result<(Outcome, f64), Error> {
    let (mut galera, db) = cluster().await?;
    let accepted = Arc::new(Mutex::new(HashMap::new()));
    let saving = tokio::spawn(keep_saving(db.clone(), Arc::clone(&accepted)));
    let mut stalls = Samples::default();
    for kill in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (writer, stall) = kill_writer(&mut galera, &db).await?;
        stalls.push(stall);
        eprintln!(
            "kill {kill}: node {writer}, writes flowed again after {:.0} ms",
            stall.as_secs_f64() * 1e3
        );
        galera.restart(writer).await?;
    }
    // A round while nothing fails, as many as there were kills and more.
    let mut rounds = Samples::default();
    for _ in 0..20 {
        let before = db.write_behind_stats().flushes;
        let at = Instant::now();
        while db.write_behind_stats().flushes < before + 2 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        rounds.record(at);
    }
    saving.abort();
    // Aborted between two saves (each accepted one is noted before the next starts).
    let _ = saving.await;
    db.flush().await?;
    let accepted = accepted.lock().expect("accepted lock").clone();
    let mut lost = 0;
    for url in galera.urls() {
        let held = states_on(&format!("{url}{DATABASE}")).await?;
        lost = lost.max(
            accepted
                .iter()
                .filter(|(id, &at)| held.get(id).map(|state| state.updated_at) != Some(at))
                .count(),
        );
    }
    db.close().await;
    Ok((
        Outcome {
            ours: stalls,
            baseline: rounds,
        },
        lost as f64,
    ))
}

/// Saves every bot through the queue five times a second, noting each bot's `updated_at`
/// as last accepted in `accepted`.
async fn keep_saving(db: Db, accepted: Arc<Mutex<HashMap<u32, i64>>>) {
    let mut round = 1i64;
    loop {
        for id in 0..BOTS {
            let state = BotState {
                updated_at: round,
                ..seed_state(id)
            };
            if db.save_deferred(&state).await.is_ok() {
                accepted.lock().expect("accepted lock").insert(id, round);
            }
        }
        round += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
