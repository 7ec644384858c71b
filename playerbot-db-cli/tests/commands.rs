//! `explain`, `stats`, `--metrics` and the errors, run as a user runs them: each on a private
//! embedded server the command starts itself (no `--url`).

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{http, playerbot_db, runtime, text};

#[test]
fn explain_finds_only_key_and_index_lookups_in_the_built_in_entities() {
    let output = playerbot_db(&["explain"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for entity in [
        "BotState",
        "BotEvent",
        "AiValue",
        "BotStrategy",
        "Equipment",
    ] {
        assert!(
            stdout.contains(&format!("{entity:<12} select_by_key")),
            "{entity} missing:\n{stdout}"
        );
    }
    assert!(stdout.contains("lookup by_expires_at: select"), "{stdout}");
    assert!(!stdout.contains("FLAGGED"), "{stdout}");
    assert!(stdout.contains(" 0 flagged"), "{stdout}");
}

#[test]
fn stats_runs_on_a_fresh_server() {
    let output = playerbot_db(&["stats"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for expected in [
        "server MariaDB",
        "bot_state",
        "bot_event.p0",
        "InnoDB buffer pool hit rate",
        "row lock waits",
        "deadlocks",
        "threads connected",
        "most expensive statements",
        "replication: this server is not a replica",
    ] {
        assert!(stdout.contains(expected), "{expected} missing:\n{stdout}");
    }
}

/// Every error is one line on stderr that starts with `error:`, and the exit code is not 0.
fn assert_one_line_error(output: &Output, mentions: &str) {
    let (stdout, stderr) = text(output);
    assert!(!output.status.success(), "{stdout}\n{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains(mentions), "{stderr}");
    let other: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("error:"))
        .filter(|l| !l.starts_with("For more information"))
        .collect();
    assert!(other.is_empty(), "more than the error line: {stderr}");
}

#[test]
fn bad_arguments_and_an_unreachable_server_give_one_line() {
    assert_one_line_error(
        &playerbot_db(&["simulate", "--bots", "0", "--url", "mysql://u@127.0.0.1:1/"]),
        "--bots and --hz must be at least 1",
    );
    assert_one_line_error(&playerbot_db(&["simulate", "--bots", "many"]), "--bots");
    assert_one_line_error(&playerbot_db(&["bench", "--scenarios", "nope"]), "nope");
    assert_one_line_error(
        &playerbot_db(&["simulate", "--metrics", "here"]),
        "--metrics",
    );
    // Nothing listens on port 1: the error names the server and says what failed.
    let output = playerbot_db(&[
        "migrate",
        "--url",
        "mysql://bots:s3cret@127.0.0.1:1/characters",
    ]);
    assert_one_line_error(&output, "127.0.0.1:1");
    let (_, stderr) = text(&output);
    assert!(
        !stderr.contains("s3cret"),
        "the password was printed: {stderr}"
    );
}

/// The body of `GET /metrics` on `address`, or `None` while nothing answers.
fn scrape(address: &str) -> Option<String> {
    let response = http::get(address.parse().expect("an address"), "/metrics").ok()?;
    assert_eq!(response.status, 200, "{}", response.text());
    Some(response.text())
}

#[test]
fn the_metrics_endpoint_answers_while_a_simulation_runs() {
    // A port no other test uses, on loopback.
    let port = 20_000 + std::process::id() % 20_000;
    let address = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
        .args([
            "simulate",
            "--bots",
            "500",
            "--seconds",
            "8",
            "--shards",
            "2",
            "--metrics",
        ])
        .arg(&address)
        .env_remove("PLAYERBOT_DB_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run playerbot-db");
    let started = Instant::now();
    let mut body = String::new();
    // Scraped until the flush histogram has values (after the first flushes), for at most
    // the run's length.
    while started.elapsed() < Duration::from_secs(30) {
        if let Some(response) = scrape(&address) {
            body = response;
            if body.contains("playerbot_db_write_behind_flush_seconds") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = child.wait().expect("simulate ends");
    assert!(status.success(), "simulate failed");
    // Each shard's series apart, labelled by shard.
    for name in [
        "playerbot_db_pool_open{shard=\"0\"}",
        "playerbot_db_pool_open{shard=\"1\"}",
        "playerbot_db_pool_checkouts_total{shard=\"1\"}",
        "playerbot_db_write_behind_depth{shard=\"0\"}",
        "playerbot_db_write_behind_rows_total{shard=\"1\"}",
        "playerbot_db_write_behind_flush_seconds",
        "playerbot_db_replica_reads_total",
        "playerbot_db_coalesced_calls_total{",
        "playerbot_db_coalesced_statements_total{",
    ] {
        assert!(body.contains(name), "{name} missing in:\n{body}");
    }
    let cache_hits = body
        .lines()
        .filter(|line| {
            line.starts_with("playerbot_db_cache_hits_total{")
                && line.contains("entity=\"BotState\"")
        })
        .count();
    assert_eq!(cache_hits, 2, "one BotState cache per shard:\n{body}");
}

#[test]
fn simulate_runs_on_two_shards_with_a_replica_each_moves_a_range_and_verifies_every_server() {
    let dir = std::env::temp_dir().join(format!("playerbot-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
        .args([
            "simulate",
            "--bots",
            "400",
            "--seconds",
            "3",
            "--shards",
            "2",
            "--replicas",
            "1",
            // Bots 100..200 go from shard 0 to shard 1 a second in, while they play.
            "--move",
            "100..200:1",
            "--move-after",
            "1",
            "--json",
        ])
        .arg(&json)
        .env_remove("PLAYERBOT_DB_URL")
        .output()
        .expect("run playerbot-db");
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("started 4 embedded servers"), "{stderr}");
    assert!(stdout.contains("servers: 2 shards"), "{stdout}");
    assert!(
        stdout.contains("range move: ") && stdout.contains("bot_state 100"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(&json).unwrap();
    for key in [
        "\"verified\": true",
        "\"shards\": 2",
        "\"replicas_per_shard\": 1",
    ] {
        assert!(report.contains(key), "{key} missing in {report}");
    }
    // Relogins asked the replicas, and the replicas answered at least some of them.
    let answered: u64 = report
        .lines()
        .find_map(|line| line.trim().strip_prefix("\"replica_reads\": "))
        .and_then(|n| n.trim_end_matches(',').parse().ok())
        .expect("replica_reads in the report");
    assert!(answered > 0, "{report}");
    std::fs::remove_dir_all(&dir).unwrap();
    // With --url the topology cannot be made: one line, non-zero exit.
    assert_one_line_error(
        &playerbot_db(&[
            "simulate",
            "--shards",
            "2",
            "--url",
            "mysql://u@127.0.0.1:1/",
        ]),
        "leave out --url",
    );
}

#[test]
fn stats_on_a_shard_map_shows_every_replica_and_its_lag() {
    use playerbot_db::mysql_async::prelude::Queryable;
    use playerbot_db_embedded::EmbeddedServer;
    let runtime = runtime();
    let (primary, replica) = runtime.block_on(async {
        let primary = EmbeddedServer::builder()
            .binary_log(true)
            .start()
            .await
            .expect("primary");
        let opts = playerbot_db_embedded::connect_opts(&primary.url(), None).unwrap();
        let mut conn = playerbot_db::mysql_async::Conn::new(opts).await.unwrap();
        conn.query_drop("CREATE DATABASE game").await.unwrap();
        conn.disconnect().await.unwrap();
        let replica = primary.start_replica().await.expect("replica");
        (primary, replica)
    });
    let dir = std::env::temp_dir().join(format!("playerbot-stats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let map = dir.join("shards.txt");
    std::fs::write(
        &map,
        format!(
            "# one shard, one replica\n0.. {}game {}game\n",
            primary.url(),
            replica.url()
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
        .args(["stats", "--shards"])
        .arg(&map)
        .env_remove("PLAYERBOT_DB_URL")
        .output()
        .expect("run playerbot-db");
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("== shard 0: bot ids 0.."), "{stdout}");
    assert!(stdout.contains("InnoDB buffer pool hit rate"), "{stdout}");
    assert!(stdout.contains("== replica of shard 0:"), "{stdout}");
    assert!(stdout.contains("in rotation, lag 0 s"), "{stdout}");
    let password = primary.url();
    let password = password
        .trim_start_matches("mysql://root:")
        .split('@')
        .next()
        .unwrap()
        .to_owned();
    assert!(!stdout.contains(&password), "a password was printed");
    std::fs::remove_dir_all(&dir).unwrap();
    drop((primary, replica));
}
