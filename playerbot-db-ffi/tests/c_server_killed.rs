//! A server killed mid-run under a C program (`tests/c/server_killed.c`): compiled with the
//! system's `cc`, run plainly and under AddressSanitizer and UBSan against a private
//! embedded server that this test kills (SIGKILL) and restarts on the program's cues (lines
//! on its stdout, answered on its stdin); then every deferred save must be in the server.

mod common;
#[path = "common/native.rs"]
mod native;

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdout, Command, Stdio};

use common::*;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db_embedded::EmbeddedServer;

/// The program's stdout, read a line at a time, and everything it printed so far.
struct Cues {
    lines: Lines<BufReader<ChildStdout>>,
    seen: String,
}

impl Cues {
    /// Reads lines until one is `cue`; fails with what it printed when it ends first.
    fn wait_for(&mut self, cue: &str, child: &mut Child, stderr: &std::path::Path) {
        for line in self.lines.by_ref() {
            let line = line.expect("reading the program's output");
            self.seen.push_str(&line);
            self.seen.push('\n');
            if line == cue {
                return;
            }
        }
        let status = child.wait().expect("waiting for the program");
        panic!(
            "the program ended ({status}) before printing {cue:?}:\n--- stdout\n{}\n--- stderr\n{}",
            self.seen,
            std::fs::read_to_string(stderr).unwrap_or_default()
        );
    }
}

fn answer(child: &mut Child, line: &str) {
    let stdin = child.stdin.as_mut().expect("the program's stdin");
    writeln!(stdin, "{line}").expect("writing to the program");
    stdin.flush().expect("flushing the program's stdin");
}

fn build_and_run(test: &str, sanitize: bool) {
    let out = native::out_dir(test);
    let program = out.join("server_killed");
    let mut cc = Command::new("cc");
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g"])
        .arg("-I")
        .arg(native::crate_dir().join("include"))
        .arg(native::crate_dir().join("tests/c/server_killed.c"));
    if sanitize {
        cc.args([
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer",
        ]);
    }
    cc.arg(native::static_lib())
        .args(native::NATIVE_LIBS)
        .arg("-o")
        .arg(&program);
    native::run(&mut cc);

    // A private server: this test kills it.
    let runtime = small_runtime();
    let mut server = runtime
        .block_on(EmbeddedServer::start())
        .unwrap_or_else(|err| panic!("the test needs a MariaDB or MySQL server binary: {err}"));
    let private_url = server.url();
    with_conn_at(&private_url, None, |conn| {
        Box::pin(conn.query_drop("CREATE DATABASE game CHARACTER SET utf8mb4"))
    });

    let stderr_path = out.join("stderr.txt");
    let mut child = Command::new(&program)
        .arg(format!("{private_url}game"))
        .env("ASAN_OPTIONS", "detect_leaks=1:exitcode=23")
        .env(
            "UBSAN_OPTIONS",
            "halt_on_error=1:print_stacktrace=1:exitcode=24",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).expect("the program's stderr file"))
        .spawn()
        .unwrap_or_else(|err| panic!("starting {}: {err}", program.display()));
    let mut cues = Cues {
        lines: BufReader::new(child.stdout.take().expect("the program's stdout")).lines(),
        seen: String::new(),
    };

    cues.wait_for("ready", &mut child, &stderr_path);
    server.kill();
    answer(&mut child, "killed");
    cues.wait_for("waiting", &mut child, &stderr_path);
    runtime
        .block_on(server.restart())
        .expect("restarting the server");
    answer(&mut child, "restarted");
    for line in cues.lines.by_ref() {
        cues.seen
            .push_str(&line.expect("reading the program's output"));
        cues.seen.push('\n');
    }
    let status = child.wait().expect("waiting for the program");
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(
        status.success() && cues.seen.contains("checks passed"),
        "the program failed ({status}):\n--- stdout\n{}\n--- stderr\n{stderr}",
        cues.seen
    );
    assert!(
        !stderr.contains("Sanitizer") && !stderr.contains("runtime error"),
        "the sanitizers reported:\n{stderr}"
    );
    // What the calls answered while the server was away (shown with --nocapture).
    println!("{}", cues.seen);

    let count = |sql: &'static str| -> u64 {
        let found: Option<u64> = with_conn_at(&private_url, Some("game"), |conn| {
            Box::pin(conn.query_first(sql))
        });
        found.expect("one row")
    };
    // Every deferred save, before, during and after the server's absence, newest per key.
    assert_eq!(count("SELECT COUNT(*) FROM bot_state"), 110);
    assert_eq!(
        count("SELECT COUNT(*) FROM bot_state WHERE health = 1 AND bot_id BETWEEN 1 AND 110"),
        110
    );
    // The blocking save that failed left nothing behind.
    assert_eq!(
        count("SELECT COUNT(*) FROM bot_state WHERE bot_id = 500"),
        0
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn deferred_saves_from_c_land_after_the_server_is_killed_and_restarted() {
    build_and_run("c_killed_plain", false);
}

#[test]
fn the_killed_server_run_is_clean_under_asan_and_ubsan() {
    build_and_run("c_killed_sanitized", true);
}
