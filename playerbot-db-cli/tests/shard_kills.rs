//! `playerbot-db shard move` killed with SIGKILL at every step of a move, while a game
//! process keeps saving the range, and the operator's recovery from each resulting state:
//! running the move again, or moving the range away and back. After each recovery every bot
//! of the range is on exactly one shard, the one the map names, no move is left open, no
//! hold is left, and at the end every accepted write is where the map says.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use playerbot_db::cluster::ClusterPolicy;
use playerbot_db::Db;
use playerbot_db_embedded::EmbeddedServer;
use playerbot_db_tests::servers::{check_placed, flags_on, two_servers, Writers};

use common::{bots_logged_in, command, runtime, shard_map, text};

/// Where a mover is killed: right after it starts, or once it has printed a line that
/// starts so (the step just done; the kill lands there or a little later).
#[derive(Debug, Clone, Copy)]
enum KillAt {
    Start,
    After(&'static str),
    /// This long after it starts (the property test draws it).
    Delay(Duration),
}

/// Every step of a move, in order.
const KILL_POINTS: [KillAt; 8] = [
    KillAt::Start,
    KillAt::After("held writes"),
    KillAt::After("copied 100 rows of bot_state"),
    KillAt::After("copied 0 rows of bot_event"),
    // The last table: copied and verified, the switch next.
    KillAt::After("copied 0 rows of bot_equipment"),
    KillAt::After("switched the routes"),
    KillAt::After("every process routes"),
    KillAt::After("deleted the range"),
];

/// `shard move --range 500..600 --to <to>`, started.
fn start_move(map: &Path, to: usize) -> Child {
    let to = to.to_string();
    command(&[
        "shard",
        "move",
        "--range",
        "500..600",
        "--to",
        &to,
        "--shards",
        map.to_str().unwrap(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("start playerbot-db shard move")
}

/// `shard move --range 500..600 --to <to>`, killed at `at`; whether it was killed before it
/// ended, and what it printed.
fn move_killed(map: &Path, to: usize, at: KillAt) -> (bool, String) {
    let mut child = start_move(map, to);
    let mut printed = String::new();
    match at {
        KillAt::Start => std::thread::sleep(Duration::from_millis(30)),
        KillAt::Delay(delay) => std::thread::sleep(delay),
        KillAt::After(marker) => {
            let stdout = child.stdout.take().unwrap();
            for line in BufReader::new(stdout).lines() {
                let line = line.unwrap_or_default();
                printed += &line;
                printed.push('\n');
                if line.starts_with(marker) {
                    break;
                }
            }
        }
    }
    let killed = child.try_wait().unwrap().is_none();
    child.kill().ok();
    child.wait().unwrap();
    (killed, printed)
}

/// `shard args…`, run to its end, which must succeed; what it printed.
fn shard_ok(map: &Path, args: &[&str]) -> String {
    let output = command(&[&["shard"], args, &["--shards", map.to_str().unwrap()]].concat())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.success(),
        "shard {args:?}: {stdout}\n{stderr}"
    );
    stdout
}

/// Every bot of 500..600 on exactly the shard the map names, nothing open or held.
async fn settled(map: &Path, game: &Db, (a, b): (&EmbeddedServer, &EmbeddedServer)) {
    let show = shard_ok(map, &["show"]);
    assert!(!show.contains("unfinished move"), "{show}");
    assert!(show.contains("held: nothing"), "{show}");
    let routed = if show.contains("500..600 -> shard 1") {
        1
    } else {
        0
    };
    // The game takes in the routes at its next poll.
    for _ in 0..200 {
        if game.shard_of_id(550) == routed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(game.shard_of_id(550), routed, "{show}");
    game.flush().await.unwrap();
    let (here, there) = if routed == 0 { (a, b) } else { (b, a) };
    assert_eq!(flags_on(here, "500 AND 599").await.len(), 100, "{show}");
    assert!(flags_on(there, "500 AND 599").await.is_empty(), "{show}");
}

#[test]
fn a_mover_killed_at_any_step_is_finished_by_a_rerun_or_a_move_away_and_back() {
    let runtime = runtime();
    let dir = std::env::temp_dir().join(format!("playerbot-kills-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    runtime.block_on(async {
        let (a, b, map, game) = game_on_two_servers(&dir).await;
        let writers = Writers::start(&game, 400..700, 2);
        let mut killed_runs = 0;
        for (round, at) in KILL_POINTS.iter().enumerate() {
            // Away from where the range is now.
            let to = 1 - game.shard_of_id(550);
            let (killed, printed) = {
                let (map, at) = (map.clone(), *at);
                tokio::task::spawn_blocking(move || move_killed(&map, to, at))
                    .await
                    .unwrap()
            };
            killed_runs += usize::from(killed);
            let recovering = std::time::Instant::now();
            // Recovery: the same move again (even rounds), or away and back (odd ones).
            if round % 2 == 0 {
                let out = rerun(&map, to).await;
                assert!(
                    out.contains(&format!("500..600 -> shard {to}")),
                    "{at:?}: {out}"
                );
            } else {
                for shard in [1 - to, to] {
                    tokio::task::spawn_blocking({
                        let map = map.clone();
                        move || {
                            // Moving to where the range already is says so and fails; that
                            // is one of the states a kill leaves.
                            let output = command(&[
                                "shard",
                                "move",
                                "--range",
                                "500..600",
                                "--to",
                                &shard.to_string(),
                                "--shards",
                                map.to_str().unwrap(),
                            ])
                            .output()
                            .unwrap();
                            let (stdout, stderr) = text(&output);
                            assert!(
                                output.status.success() || stderr.contains("already on shard"),
                                "{at:?} to {shard}: {stdout}\n{stderr}"
                            );
                        }
                    })
                    .await
                    .unwrap();
                }
            }
            eprintln!(
                "{at:?}: killed {killed}, recovered in {:?}; printed:\n{printed}",
                recovering.elapsed()
            );
            settled(&map, &game, (&a, &b)).await;
        }
        assert!(killed_runs >= 5, "most runs were killed before they ended");
        every_write_placed(&map, game, writers, (&a, &b)).await;
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `shard move --range 500..600 --to <to>` run to its end (which must succeed).
async fn rerun(map: &Path, to: usize) -> String {
    let map = map.to_path_buf();
    tokio::task::spawn_blocking(move || {
        shard_ok(
            &map,
            &["move", "--range", "500..600", "--to", &to.to_string()],
        )
    })
    .await
    .unwrap()
}

/// Ends with the range on shard 1 (where `check_placed` looks for it), stops the writers
/// and checks every accepted write is where the map says.
async fn every_write_placed(
    map: &Path,
    game: Db,
    writers: Writers,
    (a, b): (&EmbeddedServer, &EmbeddedServer),
) {
    if game.shard_of_id(550) == 0 {
        rerun(map, 1).await;
    }
    settled(map, &game, (a, b)).await;
    let last = writers.stop().await;
    game.flush().await.unwrap();
    check_placed(&last, 500..600, (a, b)).await;
    game.close().await;
}

/// [`common::game_on_two_servers`] whose held writes wait out a dead mover (known dead
/// `silent_after`, 3 s, after its kill).
async fn game_on_two_servers(dir: &Path) -> (EmbeddedServer, EmbeddedServer, PathBuf, Db) {
    let policy = ClusterPolicy {
        move_wait: Duration::from_secs(20),
        ..ClusterPolicy::default()
    };
    common::game_on_two_servers(dir, policy).await
}

/// The kill point drawn at random over many runs: a kill after 0–450 ms (the command's own
/// start takes part of it), then a rerun; each run settles as the fixed kill points do.
#[test]
fn a_mover_killed_at_a_random_moment_is_finished_by_a_rerun() {
    let runtime = runtime();
    let dir = std::env::temp_dir().join(format!("playerbot-kills-random-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    runtime.block_on(async {
        let (a, b, map, game) = game_on_two_servers(&dir).await;
        let writers = Writers::start(&game, 400..700, 2);
        let mut seed = 0x2545_f491_4f6c_dd1d_u64
            ^ u64::from(std::process::id()).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for run in 0..6 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let delay = Duration::from_millis(seed % 450);
            let to = 1 - game.shard_of_id(550);
            let (killed, printed) = {
                let map = map.clone();
                tokio::task::spawn_blocking(move || move_killed(&map, to, KillAt::Delay(delay)))
                    .await
                    .unwrap()
            };
            let recovering = Instant::now();
            rerun(&map, to).await;
            eprintln!(
                "run {run}: killed after {delay:?} ({killed}), recovered in {:?}; printed:\n{printed}",
                recovering.elapsed()
            );
            settled(&map, &game, (&a, &b)).await;
        }
        every_write_placed(&map, game, writers, (&a, &b)).await;
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A game process killed just before or during a move (the simulator, playing the range):
/// the mover goes on once the dead game is known gone (silent for `silent_after`, its lock free), and the
/// range ends on one shard with no move open and nothing held.
#[test]
fn a_game_process_killed_during_a_move_does_not_stop_it() {
    let runtime = runtime();
    let dir = std::env::temp_dir().join(format!("playerbot-kill-game-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    runtime.block_on(async {
        // Before the move (it meets the dead game at its hold), after the hold, after the
        // switch (it meets it waiting for the routes to be taken in).
        for kill_game_at in ["", "held writes", "switched the routes"] {
            // Fresh servers each time: the simulator needs empty bot tables.
            let (a, b, _) = two_servers().await;
            let map = shard_map(&dir, &a, &b);
            let mut simulator = command(&["simulate", "--bots", "1000", "--seconds", "30"])
                .arg("--shard-map")
                .arg(&map)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the simulator");
            let logged_in = bots_logged_in(&a, 1_000).await;
            assert!(logged_in, "the simulator never logged its bots in");
            tokio::time::sleep(Duration::from_millis(500)).await;
            if kill_game_at.is_empty() {
                simulator.kill().ok();
            }
            let mover = {
                let map = map.clone();
                tokio::task::spawn_blocking(move || {
                    let mut child = start_move(&map, 1);
                    let stdout = child.stdout.take().unwrap();
                    let mut printed = String::new();
                    for line in BufReader::new(stdout).lines() {
                        let line = line.unwrap_or_default();
                        printed += &line;
                        printed.push('\n');
                        if !kill_game_at.is_empty() && line.starts_with(kill_game_at) {
                            simulator.kill().ok();
                        }
                    }
                    simulator.kill().ok();
                    simulator.wait().ok();
                    (child.wait().unwrap(), printed)
                })
            };
            let started = Instant::now();
            let (status, printed) = mover.await.unwrap();
            eprintln!(
                "game killed after {kill_game_at:?}: the move took {:?}:\n{printed}",
                started.elapsed()
            );
            assert!(status.success(), "{printed}");
            let show = shard_ok(&map, &["show"]);
            assert!(!show.contains("unfinished move"), "{show}");
            assert!(show.contains("held: nothing"), "{show}");
            assert!(show.contains("500..600 -> shard 1"), "{show}");
            assert_eq!(flags_on(&b, "500 AND 599").await.len(), 100, "{show}");
            assert!(flags_on(&a, "500 AND 599").await.is_empty(), "{show}");
        }
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
