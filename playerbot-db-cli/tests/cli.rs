//! The `playerbot-db` commands end to end against a real server (no timing is asserted:
//! that is the bench's job).

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
        "load_by_prefix_20",
        "cache_hit_load",
        "zipf_hit_rate",
        "write_behind_enqueue",
        "sustained_bots",
        "replica_read",
        "two_shard_bulk_save",
        "cluster_save_deferred",
        "galera_bulk_save",
        "concurrent_load_64",
        "concurrent_save_64",
        "concurrent_load_1",
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
    assert_eq!(text.matches("\"ratio_p50\": ").count(), 18, "{text}");
    assert_eq!(text.matches("\"p50_us\": ").count(), 36, "{text}");
    assert_eq!(
        text.matches("\"calls_per_joined_statement\": ").count(),
        3,
        "{text}"
    );
    assert_eq!(text.matches("\"hit_rate\": ").count(), 1, "{text}");
    assert_eq!(text.matches("\"bots\": ").count(), 1, "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn migrate_then_partitions_on_the_bot_schema() {
    let url = std::env::var("PLAYERBOT_DB_URL").ok();
    let _server;
    let base = match url {
        Some(url) => url,
        None => {
            let server = start_server();
            let url = server.url();
            _server = server;
            url
        }
    };
    let database = format!("migrate_cli_{}", std::process::id());
    let mysql = |sql: &str| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use playerbot_db::mysql_async::prelude::Queryable;
            let opts = playerbot_db_embedded::connect_opts(&base, None).unwrap();
            let mut conn = playerbot_db::mysql_async::Conn::new(opts).await.unwrap();
            conn.query_drop(sql).await.unwrap();
        });
    };
    mysql(&format!("CREATE DATABASE {database}"));
    let url = format!("{}/{database}", base.trim_end_matches('/'));
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
            .arg("migrate")
            .args(["--url", &url])
            .args(args)
            .env_remove("PLAYERBOT_DB_URL")
            .output()
            .expect("run playerbot-db");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    };
    let (ok, first) = run(&[]);
    assert!(ok, "{first}");
    assert!(
        first.contains("applied 0001_bot_state.sql") && first.contains("7 applied now"),
        "{first}"
    );
    assert!(first.contains("schema matches"), "{first}");
    let (ok, second) = run(&[]);
    assert!(
        ok && second.contains("0 applied now, 7 already applied"),
        "{second}"
    );
    let (ok, status) = run(&["--status"]);
    assert!(ok, "{status}");
    assert!(
        status.contains("applied  0001_bot_state.sql")
            && status.contains("7 applied, 0 pending")
            && !status.contains("CHANGED"),
        "{status}"
    );
    mysql(&format!(
        "ALTER TABLE {database}.bot_state DROP COLUMN flags"
    ));
    let (ok, check) = run(&["--check"]);
    assert!(
        !ok && check.contains("BotState: column `flags` is missing"),
        "{check}"
    );
    mysql(&format!("DROP DATABASE {database}"));
}

#[test]
fn entity_prints_the_struct_of_an_existing_table() {
    let _server;
    let base = match std::env::var("PLAYERBOT_DB_URL").ok() {
        Some(url) => url,
        None => {
            let server = start_server();
            let url = server.url();
            _server = server;
            url
        }
    };
    let database = format!("entity_cli_{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use playerbot_db::mysql_async::prelude::Queryable;
        let opts = playerbot_db_embedded::connect_opts(&base, None).unwrap();
        let mut conn = playerbot_db::mysql_async::Conn::new(opts).await.unwrap();
        conn.query_drop(format!("CREATE DATABASE {database}"))
            .await
            .unwrap();
        conn.query_drop(format!(
            "CREATE TABLE {database}.`character_pet` (
               `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
               `owner` int(10) unsigned NOT NULL DEFAULT 0,
               `name` varchar(21) DEFAULT 'Pet',
               `type` tinyint(3) unsigned NOT NULL DEFAULT 0,
               PRIMARY KEY (`id`), KEY `owner` (`owner`)
             ) ENGINE=MyISAM DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci"
        ))
        .await
        .unwrap();
    });
    let url = format!("{}/{database}", base.trim_end_matches('/'));
    let run = |tables: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_playerbot-db"));
        command.args(["entity", "--url", &url]);
        for table in tables {
            command.args(["--table", table]);
        }
        let output = command
            .env_remove("PLAYERBOT_DB_URL")
            .output()
            .expect("run playerbot-db");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, printed, errors) = run(&[]);
    assert!(ok, "{errors}");
    for expected in [
        "#[bot(table = \"character_pet\", engine = \"MyISAM\", charset = \"utf8mb3\", collation = \"utf8mb3_general_ci\")]",
        "pub struct CharacterPet {",
        "    #[bot(key, auto_increment)]\n    pub id: u32,",
        "    #[bot(index, default = \"0\")]\n    pub owner: u32,",
        "    #[bot(max_len = 21, default = \"'Pet'\")]\n    pub name: Option<String>,",
        "    pub r#type: u8,",
    ] {
        assert!(printed.contains(expected), "missing {expected:?} in:\n{printed}");
    }
    let (ok, _, errors) = run(&["no_such_table"]);
    assert!(!ok && errors.contains("no_such_table"), "{errors}");
    runtime.block_on(async {
        use playerbot_db::mysql_async::prelude::Queryable;
        let opts = playerbot_db_embedded::connect_opts(&base, None).unwrap();
        let mut conn = playerbot_db::mysql_async::Conn::new(opts).await.unwrap();
        conn.query_drop(format!("DROP DATABASE {database}"))
            .await
            .unwrap();
    });
}

/// The main job as a new user runs it, small: on a private embedded server, it exits 0 and
/// its JSON report says every bot's row is its last state.
#[test]
fn simulate_runs_on_an_embedded_server_and_verifies_the_table() {
    let dir = std::env::temp_dir().join(format!("playerbot-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_playerbot-db"))
        .args([
            "simulate",
            "--bots",
            "300",
            "--seconds",
            "3",
            "--hz",
            "2",
            "--json",
        ])
        .arg(&json)
        .arg("--plot")
        .arg(dir.join("run.svg"))
        .env_remove("PLAYERBOT_DB_URL")
        .output()
        .expect("run playerbot-db");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "simulate failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("verified: true"), "{stdout}");
    let text = std::fs::read_to_string(&json).unwrap();
    for key in [
        "\"bots\": 300",
        "\"seconds\": ",
        "\"saves_per_s\": ",
        "\"flush_lag_p99_ms\": ",
        "\"cache_hit_rate\": ",
        "\"verified\": true",
    ] {
        assert!(text.contains(key), "{key} missing in {text}");
    }
    let svg = std::fs::read_to_string(dir.join("run.svg")).unwrap();
    for title in [
        "saves per second",
        "flush lag (ms)",
        "write-behind queue depth (rows)",
        "latency by percentile",
    ] {
        assert!(svg.contains(title), "the chart lacks {title}");
    }
    assert!(
        svg.contains("<polyline") || svg.contains("<path"),
        "no lines drawn"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An embedded server for a test that runs the binary (the tests here are not async).
fn start_server() -> playerbot_db_embedded::EmbeddedServer {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(playerbot_db_embedded::EmbeddedServer::start())
        .expect("embedded server")
}
