//! `playerbot-db simulate --galera 3 --kill-node-after S`: the main job on an embedded
//! Galera cluster whose writer is killed mid-run.

use std::process::Command;

#[test]
fn simulate_on_galera_survives_the_writer_killed_and_loses_no_save() {
    let dir = std::env::temp_dir().join(format!("playerbot-galera-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
        .args(["simulate", "--galera", "3", "--kill-node-after", "3"])
        .args(["--bots", "2000", "--seconds", "6", "--json"])
        .arg(&json)
        .env_remove("PLAYERBOT_DB_URL")
        .output()
        .expect("run playerbot-db");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "simulate failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("Galera cluster of 3 nodes"), "{stdout}");
    assert!(stdout.contains("node 0 killed"), "{stdout}");
    let text = std::fs::read_to_string(&json).unwrap();
    for key in [
        "\"galera_nodes\": 3",
        "\"lost_saves\": 0",
        "\"verified\": true",
        "\"failover_ms\": ",
    ] {
        assert!(text.contains(key), "{key} missing in {text}");
    }
    assert!(!text.contains("\"failover_ms\": null"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_on_a_galera_shard_file_shows_every_node() {
    use playerbot_db::mysql_async::prelude::Queryable;
    let cluster = playerbot_db_embedded::EmbeddedGalera::start(3)
        .await
        .unwrap();
    let urls = cluster.urls();
    let mut conn = playerbot_db::mysql_async::Conn::new(
        playerbot_db_embedded::connect_opts(&urls[0], None).unwrap(),
    )
    .await
    .unwrap();
    conn.query_drop("CREATE DATABASE game").await.unwrap();
    conn.disconnect().await.ok();
    let dir = std::env::temp_dir().join(format!("playerbot-galera-stats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("shards.txt");
    let nodes: Vec<String> = urls.iter().map(|url| format!("{url}game")).collect();
    std::fs::write(&file, format!("0.. galera {}\n", nodes.join(" "))).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
        .arg("stats")
        .arg("--shards")
        .arg(&file)
        .output()
        .expect("run playerbot-db");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stats failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("Galera writer"), "{stdout}");
    for node in 0..3 {
        assert!(
            stdout.contains(&format!("== Galera node {node} of shard 0")),
            "{stdout}"
        );
    }
    assert!(stdout.contains("writer, Synced, Primary of 3"), "{stdout}");
    let password = urls[0]
        .split('@')
        .next()
        .unwrap()
        .trim_start_matches("mysql://root:");
    assert!(!stdout.contains(password), "a password in {stdout}");
    std::fs::remove_dir_all(&dir).ok();
}
