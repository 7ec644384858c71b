//! Galera scenarios on an embedded 3-node cluster: a 5,000-bot bulk save there against the
//! same call on one server, and writer kills under a write-behind load (the write stall of
//! each against a write-behind round while nothing fails, and the saves lost). All three
//! nodes share this machine's cores, and every commit waits for the other two.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::cluster::{ClusterPolicy, GaleraSpec, Topology};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Conn, Row};
use playerbot_db::{BotEntity, Db, WriteBehindConfig};
use playerbot_db_embedded::{connect_opts, EmbeddedGalera, EmbeddedServer};

use super::measure::Samples;
use super::scenarios::Outcome;
use super::seed_state;
use crate::error::Error;
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
        let writer = writer_of(&db).ok_or_else(|| Error::Failed("no writer".into()))?;
        let killed = Instant::now();
        galera.node_mut(writer).kill();
        let mut moved_at_flushes = None;
        loop {
            let flushes = db.write_behind_stats().flushes;
            match moved_at_flushes {
                None if writer_of(&db).is_some_and(|now| now != writer) => {
                    moved_at_flushes = Some(flushes)
                }
                Some(then) if flushes > then + 1 => break,
                _ => {}
            }
            if killed.elapsed() > Duration::from_secs(60) {
                return Err(Error::Failed(format!(
                    "kill {kill}: writes did not flow again"
                )));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        stalls.record(killed);
        eprintln!(
            "kill {kill}: node {writer}, writes flowed again after {:.0} ms",
            killed.elapsed().as_secs_f64() * 1e3
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
        let held = rows_on(&format!("{url}{DATABASE}")).await?;
        lost = lost.max(
            accepted
                .iter()
                .filter(|(id, at)| held.get(id) != Some(at))
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

fn writer_of(db: &Db) -> Option<usize> {
    db.galera_health()
        .first()
        .and_then(|(_, nodes)| nodes.iter().position(|node| node.writer))
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

/// `bot_id → updated_at` on the node, read causally.
async fn rows_on(url: &str) -> Result<HashMap<u32, i64>, Error> {
    let opts = connect_opts(url, None).map_err(|err| Error::Usage(err.to_string()))?;
    let mut conn = Conn::new(opts).await?;
    conn.query_drop("SET SESSION wsrep_sync_wait = 1").await?;
    let sql = BotState::META
        .statements(playerbot_db::Dialect::MariaDb)
        .select_head;
    let rows: Vec<Row> = conn.query(sql).await?;
    conn.disconnect().await.ok();
    let mut held = HashMap::with_capacity(rows.len());
    for row in rows {
        let state = BotState::from_row(row).map_err(playerbot_db::Error::from)?;
        held.insert(state.bot_id, state.updated_at);
    }
    Ok(held)
}
