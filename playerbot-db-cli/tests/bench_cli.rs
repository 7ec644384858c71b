//! The `bench` command end to end, with few iterations: it runs every scenario on a real
//! server and writes the documented JSON. (No timing is asserted: that is the bench's job.)

use std::process::Command;

#[test]
fn bench_runs_every_scenario_and_writes_json() {
    let dir = std::env::temp_dir().join(format!("playerbot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("bench.json");
    let output = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
        .args(["bench", "--iterations", "60", "--database"])
        .arg(format!("bench_cli_{}", std::process::id()))
        .arg("--json")
        .arg(&json)
        .output()
        .expect("run playerbot-db");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "bench failed:\n{stdout}\n{stderr}");
    for scenario in [
        "point_load",
        "single_save",
        "load_many_100",
        "pool_checkout",
    ] {
        assert!(
            stdout.contains(scenario),
            "table lacks {scenario}:\n{stdout}"
        );
    }
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(
        text.contains("\"server\": \"MariaDB") || text.contains("\"server\": \"MySQL"),
        "{text}"
    );
    assert_eq!(text.matches("\"ratio_p50\": ").count(), 6, "{text}");
    assert_eq!(text.matches("\"p50_us\": ").count(), 12, "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}
