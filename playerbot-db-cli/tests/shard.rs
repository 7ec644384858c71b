//! `playerbot-db shard`, run as an operator runs it: a separate process moving a bot-id
//! range between two real servers while a game process keeps saving those bots.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use playerbot_db::cluster::{ClusterPolicy, Topology};
use playerbot_db_embedded::EmbeddedServer;

use common::{bots_logged_in, game_on_two_servers, playerbot_db, runtime, shard_map, text};
use playerbot_db_tests::servers::{check_placed, flags_on, two_servers, Writers};

/// `playerbot-db shard args… --shards map`.
fn shard_command(args: &[&str], map: &std::path::Path) -> Output {
    let map = map.to_str().expect("a UTF-8 path");
    playerbot_db(&[&["shard"], args, &["--shards", map]].concat())
}

#[test]
fn shard_move_moves_a_range_while_another_process_keeps_writing_to_it() {
    let runtime = runtime();
    let dir = std::env::temp_dir().join(format!("playerbot-shard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    runtime.block_on(async {
        let (a, b, map, game) = game_on_two_servers(&dir, ClusterPolicy::default()).await;
        let writers = Writers::start(&game, 400..700, 2);

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
        let last = writers.stop().await;
        game.flush().await.unwrap();
        check_placed(&last, 500..600, (&a, &b)).await;
        assert_eq!(flags_on(&a, "0 AND 999").await.len(), 900);

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
        let output = playerbot_db(&["stats", "--shards", map.to_str().unwrap()]);
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

/// Two servers with an empty `game` database each, their topology, and that shard map
/// written to `dir`: bots 0..1000 on the first, the rest on the second.
async fn two_servers_mapped(
    dir: &std::path::Path,
) -> (EmbeddedServer, EmbeddedServer, Topology, PathBuf) {
    let (a, b, topology) = two_servers().await;
    let map = shard_map(dir, &a, &b);
    (a, b, topology, map)
}

#[test]
fn shard_move_runs_while_the_simulator_plays_the_range_and_every_bot_verifies() {
    let runtime = runtime();
    let dir = std::env::temp_dir().join(format!("playerbot-sim-move-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    runtime.block_on(async {
        let (a, b, _, map) = two_servers_mapped(&dir).await;
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
        let logged_in = bots_logged_in(&a, 400).await;
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
        assert_eq!(flags_on(&b, "100 AND 199").await.len(), 100);
        assert!(flags_on(&a, "100 AND 199").await.is_empty());
        assert_eq!(flags_on(&a, "0 AND 999").await.len(), 300);
        // Bots already there refuse a second run: the check counts every row.
        let map = map.to_str().unwrap();
        let again = playerbot_db(&[
            "simulate",
            "--bots",
            "10",
            "--seconds",
            "1",
            "--shard-map",
            map,
        ]);
        let (_, stderr) = text(&again);
        assert!(!again.status.success());
        assert!(
            stderr.contains("simulate needs empty bot tables"),
            "{stderr}"
        );
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
