//! `simulate --metrics` as an operator watches it: a real Prometheus server (Debian's
//! `prometheus`, started here on a config of its own, never as the package's service)
//! scrapes the simulation every second, and the library's series are read back through
//! Prometheus' HTTP API. The endpoint's HTTP is checked by hand beside it: 404 off
//! `/metrics`, 405 for other methods, HEAD without a body, several requests on one connection.

mod common;

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::http::{self, Connection};
use serde_json::Value;

/// How long the simulation's endpoint and Prometheus' API may take to answer at all (an
/// embedded server starts first), and how long Prometheus may then take to have scraped
/// every series the test reads.
const STARTING: Duration = Duration::from_secs(90);
const SCRAPING: Duration = Duration::from_secs(60);
/// How long the simulation may take to end by itself after that (verification included).
const ENDING: Duration = Duration::from_secs(120);
/// How often a wait asks again.
const POLL: Duration = Duration::from_millis(250);

#[test]
fn prometheus_scrapes_the_simulation_and_reads_back_every_kind_of_series() {
    let prometheus = prometheus_binary();
    let scratch = Scratch::new();
    let [endpoint, web] = free_loopback_addresses();
    let config = scratch.path("prometheus.yml");
    std::fs::write(&config, scrape_config(endpoint)).expect("write prometheus.yml");

    // One shard (the default), a few seconds: enough for several scrapes and flushes.
    let mut simulation = Process::start(
        "playerbot-db simulate",
        common::command(&[
            "simulate",
            "--bots",
            "200",
            "--seconds",
            "8",
            "--metrics",
            &endpoint.to_string(),
        ]),
        scratch.path("simulate.log"),
    );
    let mut server = Command::new(&prometheus);
    server
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            scratch.path("tsdb").display()
        ))
        .arg(format!("--web.listen-address={web}"));
    let mut server = Process::start("prometheus", server, scratch.path("prometheus.log"));

    wait_until(
        "the simulation's /metrics answers",
        STARTING,
        &mut [&mut simulation],
        || http::get(endpoint, "/metrics").is_ok_and(|r| r.status == 200),
    );
    check_http(endpoint);

    wait_until("Prometheus is ready", STARTING, &mut [&mut server], || {
        http::get(web, "/-/ready").is_ok_and(|r| r.status == 200)
    });
    // Each series over the last minute (its last value, or the most of a gauge): it stays
    // readable after the simulation ends, when Prometheus marks the target's series stale,
    // and a gauge is not read after the pool closed.
    let last = |series: &str| format!("last_over_time({series}[1m])");
    let up = "max_over_time(up{job=\"playerbot-db\"}[1m])";
    let pool = "max_over_time(playerbot_db_pool_open[1m])".to_owned();
    let hits = last("playerbot_db_cache_hits_total{entity=\"BotState\"}");
    let rows = last("playerbot_db_write_behind_rows_total");
    let flushes = last("playerbot_db_write_behind_flush_seconds_count");
    let flush_time = last("playerbot_db_write_behind_flush_seconds_sum");
    let flush_p99 = last("playerbot_db_write_behind_flush_seconds{quantile=\"0.99\"}");
    wait_until(
        "Prometheus has scraped rows written and a flush",
        SCRAPING,
        &mut [&mut server],
        || {
            [&rows, &flushes]
                .iter()
                .all(|series| query(web, series).iter().any(|s| s.value > 0.0))
        },
    );

    let answered = |promql: &str| {
        let samples = query(web, promql);
        assert!(
            !samples.is_empty(),
            "Prometheus has no {promql}\n{}",
            server.log()
        );
        samples
    };
    assert_eq!(answered(up)[0].value, 1.0, "no scrape succeeded");
    // Every primary's series is labelled by its shard; the simulation has one.
    for (promql, plausible) in [
        // The simulation's pool holds at most 8 connections.
        (&pool, (1.0..=8.0)),
        (&hits, (1.0..=f64::MAX)),
        (&rows, (1.0..=f64::MAX)),
    ] {
        let samples = answered(promql);
        let shards: Vec<&str> = samples.iter().map(|s| s.label("shard")).collect();
        assert_eq!(shards, ["0"], "{promql}: {samples:?}");
        assert!(
            plausible.contains(&samples[0].value),
            "{promql} = {}, expected within {plausible:?}",
            samples[0].value
        );
    }
    // The flush durations: a count, a total above 0, and quantiles no longer than the total.
    let count = answered(&flushes)[0].value;
    let total = answered(&flush_time)[0].value;
    let p99 = answered(&flush_p99)[0].value;
    assert!(
        count >= 1.0 && total > 0.0,
        "{count} flushes took {total} s"
    );
    assert!((0.0..=total).contains(&p99), "p99 {p99} s of {total} s");

    let status = simulation.wait(ENDING);
    let printed = simulation.log();
    assert!(status.success(), "simulate failed:\n{printed}");
    assert!(printed.contains("verified: true"), "{printed}");
}

/// What the endpoint answers besides `GET /metrics`, on one kept-alive connection: a HEAD
/// with a body would be read as the status line of the answer after it.
fn check_http(endpoint: SocketAddr) {
    let mut connection = Connection::open(endpoint).expect("connect to /metrics");
    let head = connection
        .request("HEAD", "/metrics")
        .expect("HEAD /metrics");
    assert_eq!(head.status, 200, "{head:?}");
    let length: usize = head
        .header("content-length")
        .and_then(|n| n.parse().ok())
        .expect("HEAD says the length of the body it leaves out");
    assert!(length > 0, "{head:?}");
    assert_eq!(
        head.header("content-type"),
        Some("text/plain; version=0.0.4")
    );
    let get = connection
        .request("GET", "/metrics")
        .expect("GET after HEAD");
    assert_eq!(get.status, 200, "{get:?}");
    assert!(
        get.text().contains("playerbot_db_pool_open{shard=\"0\"}"),
        "{}",
        get.text()
    );
    let other = connection.request("GET", "/other").expect("GET /other");
    assert_eq!(other.status, 404, "{other:?}");
    let post = connection
        .request("POST", "/metrics")
        .expect("POST /metrics");
    assert_eq!(post.status, 405, "{post:?}");
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    let again = connection
        .request("GET", "/metrics")
        .expect("a fifth request");
    assert_eq!(again.status, 200, "{again:?}");
}

/// One sample of an instant query's answer.
#[derive(Debug)]
struct Sample {
    labels: serde_json::Map<String, Value>,
    value: f64,
}

impl Sample {
    fn label(&self, name: &str) -> &str {
        self.labels.get(name).and_then(Value::as_str).unwrap_or("")
    }
}

/// `promql` through `/api/v1/query`, evaluated now; empty while Prometheus has no such
/// series (or does not answer).
fn query(web: SocketAddr, promql: &str) -> Vec<Sample> {
    let Ok(response) = http::get(web, &format!("/api/v1/query?query={}", escape(promql))) else {
        return Vec::new();
    };
    let answer: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|err| panic!("{promql}: {err} in {}", response.text()));
    assert_eq!(answer["status"], "success", "{promql}: {answer}");
    let Some(result) = answer["data"]["result"].as_array() else {
        panic!("{promql}: no result in {answer}");
    };
    result
        .iter()
        .map(|sample| Sample {
            labels: sample["metric"].as_object().cloned().unwrap_or_default(),
            // [time, "value"]: Prometheus sends values as strings.
            value: sample["value"][1]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{promql}: a sample without a value: {sample}")),
        })
        .collect()
}

/// Percent-encodes everything but letters, digits and `-_.~` for a query string.
fn escape(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn scrape_config(endpoint: SocketAddr) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
         scrape_configs:\n  - job_name: playerbot-db\n    static_configs:\n      \
         - targets: [\"{endpoint}\"]\n"
    )
}

/// The `prometheus` binary on PATH; the test fails, saying what to install, without it.
fn prometheus_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("prometheus"))
        .find(|binary| binary.is_file())
        .unwrap_or_else(|| {
            panic!(
                "no prometheus binary on PATH: this test runs a real Prometheus server; \
                 `apt-get install prometheus` (the test starts its own, not the service)"
            )
        })
}

/// Two loopback addresses with ports nobody listens on now. Both listeners are held until
/// both are picked, so the two differ.
fn free_loopback_addresses() -> [SocketAddr; 2] {
    let bind = || TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    let (first, second) = (bind(), bind());
    [first, second].map(|listener| listener.local_addr().expect("a bound address"))
}

/// Waits until `done`, asking every [`POLL`] for at most `limit`; fails as soon as one of
/// `running` has exited, with its output.
fn wait_until(
    what: &str,
    limit: Duration,
    running: &mut [&mut Process],
    mut done: impl FnMut() -> bool,
) {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return;
        }
        for process in running.iter_mut() {
            assert!(
                !process.exited(),
                "{} exited before {what}:\n{}",
                process.name,
                process.log()
            );
        }
        let logs: Vec<String> = running.iter().map(|p| p.log()).collect();
        assert!(
            Instant::now() < deadline,
            "not within {limit:?}: {what}\n{}",
            logs.join("\n")
        );
        std::thread::sleep(POLL);
    }
}

/// A child process, its stdout and stderr in a file; killed and reaped when dropped, a
/// failed assertion included.
struct Process {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Process {
    fn start(name: &'static str, mut command: Command, log: PathBuf) -> Process {
        let file = File::create(&log).expect("create a log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("a second handle on the log"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|err| panic!("start {name}: {err}"));
        Process { name, child, log }
    }

    fn log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("--- {} ---\n{text}", self.name)
    }

    fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits for it to end by itself, for at most `limit`.
    fn wait(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for a child") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not end within {limit:?}:\n{}",
                self.name,
                self.log()
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder of the test's own, removed when dropped (after the processes using it, which
/// are made later and so dropped first).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("playerbot-prometheus-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch folder");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
