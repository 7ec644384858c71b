//! The C++ example module (`examples/cpp/`) configured and built with CMake against the
//! committed headers and this build's static library, run against a real server, plainly
//! and under AddressSanitizer and UBSan; then the rows it left are checked.

mod common;
#[path = "common/native.rs"]
mod native;

use std::process::Command;

use common::TestDatabase;

fn build_and_run(test: &str, sanitize: bool) {
    let database = TestDatabase::new(test);
    let build = native::out_dir(test);
    native::run(
        Command::new("cmake")
            .arg("-S")
            .arg(native::crate_dir().join("examples/cpp"))
            .arg("-B")
            .arg(&build)
            .arg(format!(
                "-DPLAYERBOT_DB_FFI_LIB={}",
                native::static_lib().display()
            ))
            .arg(format!(
                "-DPLAYERBOT_DB_SANITIZE={}",
                if sanitize { "ON" } else { "OFF" }
            )),
    );
    native::run(Command::new("cmake").arg("--build").arg(&build));
    let output = native::run(
        Command::new(build.join("bot_module"))
            .arg(database.url())
            .env("ASAN_OPTIONS", "detect_leaks=1:exitcode=23")
            .env(
                "UBSAN_OPTIONS",
                "halt_on_error=1:print_stacktrace=1:exitcode=24",
            ),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("Sanitizer") && !stderr.contains("runtime error"),
        "the sanitizers reported:\n{stderr}"
    );
    let world_time: u64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("last world time: "))
        .and_then(|time| time.trim().parse().ok())
        .unwrap_or_else(|| panic!("no world time in the output:\n{stdout}"));
    assert!(
        stdout.contains("bot 1 has 1 event(s), first: login"),
        "{stdout}"
    );

    // Every bot logged in (flag set from the completion queue's load), moved until the last
    // tick (its deferred saves drained by the close), and its login event written.
    assert_eq!(database.count("SELECT COUNT(*) FROM bot_state"), 100);
    let current = format!(
        "SELECT COUNT(*) FROM bot_state WHERE flags & 1 = 1 AND updated_at = {world_time} AND x > 0"
    );
    assert_eq!(database.count(&current), 100);
    assert_eq!(
        database.count("SELECT COUNT(*) FROM bot_event WHERE event = 'login' AND value = 1"),
        100
    );
    assert!(
        stdout.contains("bot 1 has 1 strategy list(s) and 1 item(s)"),
        "{stdout}"
    );
    assert_eq!(
        database.count(
            "SELECT COUNT(*) FROM bot_strategy WHERE engine = 1 AND strategies = 'follow,loot'"
        ),
        100
    );
    assert_eq!(
        database.count("SELECT COUNT(*) FROM bot_equipment WHERE slot = 15 AND quality = 5 AND item_guid = 1000000 + bot_id"),
        100
    );
    std::fs::remove_dir_all(&build).ok();
}

#[test]
fn the_example_module_builds_runs_and_leaves_every_bot_saved() {
    build_and_run("cpp_plain", false);
}

#[test]
fn the_example_module_is_clean_under_asan_and_ubsan() {
    build_and_run("cpp_sanitized", true);
}
