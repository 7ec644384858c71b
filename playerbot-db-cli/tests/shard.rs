//! `playerbot-db shard`, run as an operator runs it: a separate process moving a bot-id
//! range between two real servers while a game process keeps saving those bots.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use playerbot_db::bots::BotState;
use playerbot_db::cluster::{Cluster, ClusterPolicy, Topology};
use playerbot_db::migrate::Migrator;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::Conn;
use playerbot_db::session::connect_opts;
use playerbot_db_embedded::EmbeddedServer;

fn shard_command(args: &[&str], map: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
        .arg("shard")
        .args(args)
        .arg("--shards")
        .arg(map)
        .env_remove("PLAYERBOT_DB_SHARDS")
        .output()
        .expect("run playerbot-db")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn state(bot_id: u32, flags: u32) -> BotState {
    BotState {
        bot_id,
        map_id: 0,
        zone_id: 12,
        x: 1.0,
        y: 2.0,
        z: 3.0,
        orientation: 0.5,
        health: 100,
        mana: 50,
        level: 10,
        flags,
        updated_at: 1_700_000_000,
    }
}

/// `(bot_id, flags)` of the bot_state rows with ids in `ids` on `server`.
async fn flags(server: &EmbeddedServer, ids: &str) -> HashMap<u32, u32> {
    let mut conn = Conn::new(connect_opts(&server.url(), None).unwrap())
        .await
        .unwrap();
    let rows: Vec<(u32, u32)> = conn
        .query(format!(
            "SELECT bot_id, flags FROM game.bot_state WHERE bot_id BETWEEN {ids}"
        ))
        .await
        .unwrap();
    conn.disconnect().await.ok();
    rows.into_iter().collect()
}

#[test]
fn shard_move_moves_a_range_while_another_process_keeps_writing_to_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("playerbot-shard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    runtime.block_on(async {
        let (a, b, map) = two_servers(&dir).await;
        let shard_map = std::fs::read_to_string(&map).unwrap();
        // The game: the built-in schema on both shards, a thousand bots, and two tasks
        // saving bots 400..700 (directly and through the write-behind queue) throughout.
        let game = Cluster::build(
            Topology::parse(&shard_map).unwrap(),
            ClusterPolicy::default(),
            |db| db.register_bot_schema(),
        )
        .await
        .unwrap();
        for shard in 0..2 {
            Migrator::builtin().run(game.primary(shard)).await.unwrap();
        }
        let bots: Vec<BotState> = (0..1_000).map(|id| state(id, 0)).collect();
        game.save_all(&bots).await.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let last: Arc<Mutex<HashMap<u32, u32>>> = Arc::default();
        let writers: Vec<_> = (0..2u32)
            .map(|writer| {
                let (game, stop, last) = (game.clone(), Arc::clone(&stop), Arc::clone(&last));
                tokio::spawn(async move {
                    let mut round = 0;
                    while !stop.load(Ordering::Relaxed) {
                        round += 1;
                        for bot_id in (400 + writer..700).step_by(2) {
                            let bot = state(bot_id, round * 10 + writer);
                            if bot_id % 4 < 2 {
                                game.save(&bot).await
                            } else {
                                game.save_deferred(&bot).await
                            }
                            .expect("a write while the range moves");
                            last.lock().unwrap().insert(bot_id, bot.flags);
                        }
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                })
            })
            .collect();

        let mover = {
            let map = map.clone();
            tokio::task::spawn_blocking(move || {
                shard_command(&["move", "--range", "500..600", "--to", "1"], &map)
            })
        };
        let output = mover.await.unwrap();
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("copied 100 rows of bot_state"), "{stdout}");
        assert!(stdout.contains("500..600 -> shard 1"), "{stdout}");
        assert!(stdout.contains("held: nothing"), "{stdout}");
        // The game routes by the new map as soon as the command returns.
        assert_eq!(game.shard_of_id(550), 1);
        tokio::time::sleep(Duration::from_millis(150)).await;
        stop.store(true, Ordering::Relaxed);
        for writer in writers {
            writer.await.unwrap();
        }
        game.flush().await.unwrap();
        let last = last.lock().unwrap().clone();
        assert!(
            flags(&a, "500 AND 599").await.is_empty(),
            "left on the source"
        );
        let (moved, stayed) = (flags(&b, "500 AND 599").await, flags(&a, "0 AND 999").await);
        assert_eq!((moved.len(), stayed.len()), (100, 900));
        for (bot_id, flags) in &last {
            let found = if (500..600).contains(bot_id) {
                moved.get(bot_id)
            } else {
                stayed.get(bot_id)
            };
            assert_eq!(found, Some(flags), "bot {bot_id}");
        }

        // `shard show` lists the routes and the game following them.
        let output = shard_command(&["show"], &map);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("routes (version 1):"), "{stdout}");
        assert!(stdout.contains("  0..500 -> shard 0"), "{stdout}");
        assert!(stdout.contains("  600..1000 -> shard 0"), "{stdout}");
        assert!(
            stdout.contains("processes following the map: 2"),
            "{stdout}"
        );
        // `stats` names what each shard holds now, by the shared map.
        let output = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
            .args(["stats", "--shards"])
            .arg(&map)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(
            stdout.contains("== shard 0: bot ids 0..500, 600..1000,"),
            "{stdout}"
        );
        assert!(
            stdout.contains("== shard 1: bot ids 500..600, 1000..,"),
            "{stdout}"
        );
        // Moving a range across two shards' ranges is refused in one line.
        let output = shard_command(&["move", "--range", "900..1100", "--to", "1"], &map);
        let (stdout, stderr) = text(&output);
        assert!(!output.status.success(), "{stdout}");
        assert!(
            stderr.contains("900..1100 are not a non-empty part of one shard's range"),
            "{stderr}"
        );
        game.close().await;
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two servers with an empty `game` database each, and a shard map over them in `dir`:
/// bots 0..1000 on the first, the rest on the second.
async fn two_servers(dir: &std::path::Path) -> (EmbeddedServer, EmbeddedServer, PathBuf) {
    let (a, b) = (
        EmbeddedServer::start().await.expect("shard 0"),
        EmbeddedServer::start().await.expect("shard 1"),
    );
    for server in [&a, &b] {
        let mut conn = Conn::new(connect_opts(&server.url(), None).unwrap())
            .await
            .unwrap();
        conn.query_drop("CREATE DATABASE game").await.unwrap();
        conn.disconnect().await.unwrap();
    }
    let map = dir.join("shards.txt");
    let text = format!("0..1000 {}game\n1000.. {}game\n", a.url(), b.url());
    std::fs::write(&map, text).unwrap();
    (a, b, map)
}

#[test]
fn shard_move_runs_while_the_simulator_plays_the_range_and_every_bot_verifies() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("playerbot-sim-move-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    runtime.block_on(async {
        let (a, b, map) = two_servers(&dir).await;
        let json = dir.join("report.json");
        let simulator = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
            .args(["simulate", "--bots", "400", "--seconds", "5", "--hz", "5"])
            .arg("--shard-map")
            .arg(&map)
            .arg("--json")
            .arg(&json)
            .env_remove("PLAYERBOT_DB_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the simulator");
        // Once every bot has logged in, the bots play; the move runs in the middle of it.
        let mut logged_in = false;
        for _ in 0..600 {
            let mut conn = Conn::new(connect_opts(&a.url(), None).unwrap())
                .await
                .unwrap();
            let bots: Option<u64> = conn
                .query_first("SELECT COUNT(*) FROM game.bot_state")
                .await
                .unwrap_or(None);
            conn.disconnect().await.ok();
            if bots == Some(400) {
                logged_in = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(logged_in, "the simulator never logged its bots in");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let moved = {
            let map = map.clone();
            tokio::task::spawn_blocking(move || {
                shard_command(&["move", "--range", "100..200", "--to", "1"], &map)
            })
        }
        .await
        .unwrap();
        let (stdout, stderr) = text(&moved);
        // Shown with --nocapture: how long the game's writes to the range were held.
        eprintln!("shard move printed:\n{stdout}");
        assert!(moved.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("copied 100 rows of bot_state"), "{stdout}");
        let simulated = tokio::task::spawn_blocking(move || simulator.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        let (stdout, stderr) = text(&simulated);
        assert!(simulated.status.success(), "{stdout}\n{stderr}");
        let report = std::fs::read_to_string(&json).unwrap();
        assert!(report.contains("\"verified\": true"), "{report}");
        // The simulator's bots 100..199 ended on the second server, and only there.
        assert_eq!(flags(&b, "100 AND 199").await.len(), 100);
        assert!(flags(&a, "100 AND 199").await.is_empty());
        assert_eq!(flags(&a, "0 AND 999").await.len(), 300);
        // Bots already there refuse a second run: the check counts every row.
        let again = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
            .args(["simulate", "--bots", "10", "--seconds", "1", "--shard-map"])
            .arg(&map)
            .output()
            .unwrap();
        let (_, stderr) = text(&again);
        assert!(!again.status.success());
        assert!(
            stderr.contains("simulate needs empty bot tables"),
            "{stderr}"
        );
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
