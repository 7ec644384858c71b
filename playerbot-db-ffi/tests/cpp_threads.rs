//! Many C++ threads on one handle (`tests/cpp/threads_test.cpp`), compiled with the system's
//! `g++` against the committed headers and this build's static library, run against a real
//! server, plainly and under AddressSanitizer and UBSan; then the rows they left are checked.

mod common;
#[path = "common/native.rs"]
mod native;

use std::process::Command;

use common::TestDatabase;

/// As in threads_test.cpp.
const THREADS: u64 = 16;
const OWN_BOTS: u64 = 8;
const SHARED_BOTS: u64 = 8;
const ROUNDS: u64 = 30;

fn build_and_run(test: &str, sanitize: bool) {
    let database = TestDatabase::new(test);
    let out = native::out_dir(test);
    let program = out.join("threads_test");
    let mut cxx = Command::new("g++");
    cxx.args([
        "-std=c++17",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-g",
        "-pthread",
    ])
    .arg("-I")
    .arg(native::crate_dir().join("include"))
    .arg(native::crate_dir().join("tests/cpp/threads_test.cpp"));
    if sanitize {
        cxx.args([
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer",
        ]);
    }
    cxx.arg(native::static_lib())
        .args(native::NATIVE_LIBS)
        .arg("-o")
        .arg(&program);
    native::run(&mut cxx);

    let output = native::run(
        Command::new(&program)
            .arg(database.url())
            .env("ASAN_OPTIONS", "detect_leaks=1:exitcode=23")
            .env(
                "UBSAN_OPTIONS",
                "halt_on_error=1:print_stacktrace=1:exitcode=24",
            ),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("checks passed"), "{stdout}");
    assert!(
        !stderr.contains("Sanitizer") && !stderr.contains("runtime error"),
        "the sanitizers reported:\n{stderr}"
    );

    // Own bots: every thread's last value, but for those deleted after the last round
    // (index % 4 == 3: two of eight).
    let kept = THREADS * OWN_BOTS * 3 / 4;
    let own = "bot_id > 10000";
    assert_eq!(
        database.count(&format!("SELECT COUNT(*) FROM bot_state WHERE {own}")),
        kept
    );
    let last_value = format!(
        "SELECT COUNT(*) FROM bot_state WHERE {own} AND (bot_id - 1) % 10000 % 4 <> 3 \
         AND bot_id DIV 10000 <= {THREADS} \
         AND health = 1000000 + (bot_id DIV 10000 - 1) * 1000 + {ROUNDS} AND level = 80"
    );
    assert_eq!(database.count(&last_value), kept);
    // Shared bots: the last round's value of one thread or another.
    let shared = format!(
        "SELECT COUNT(*) FROM bot_state WHERE bot_id BETWEEN 1 AND {SHARED_BOTS} \
         AND (health - 1000000) % 1000 = {ROUNDS} AND (health - 1000000) DIV 1000 < {THREADS}"
    );
    assert_eq!(database.count(&shared), SHARED_BOTS);
    assert_eq!(
        database.count("SELECT COUNT(*) FROM bot_state"),
        kept + SHARED_BOTS
    );
    // Every own bot's event, deleted bots' too (another table), at its last round.
    assert_eq!(
        database.count(&format!(
            "SELECT COUNT(*) FROM bot_event WHERE event = 'round' AND value = {ROUNDS}"
        )),
        THREADS * OWN_BOTS
    );
    assert_eq!(
        database.count("SELECT COUNT(*) FROM bot_event"),
        THREADS * OWN_BOTS
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn sixteen_cpp_threads_share_one_handle() {
    build_and_run("cpp_threads_plain", false);
}

#[test]
fn sixteen_cpp_threads_are_clean_under_asan_and_ubsan() {
    build_and_run("cpp_threads_sanitized", true);
}
