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
