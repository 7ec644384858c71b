//! The C test program (`tests/c/abi_test.c`) compiled with the system's `cc` against the
//! committed header and this build's static library, run against a real server, plainly
//! and under AddressSanitizer and UBSan; then the rows it left are checked.

mod common;
#[path = "common/native.rs"]
mod native;

use std::process::Command;

use common::TestDatabase;

fn build_and_run(test: &str, sanitize: bool) {
    let database = TestDatabase::new(test);
    let out = native::out_dir(test);
    let program = out.join("abi_test");
    let mut cc = Command::new("cc");
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g"])
        .arg("-I")
        .arg(native::crate_dir().join("include"))
        .arg(native::crate_dir().join("tests/c/abi_test.c"));
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

    let output = native::run(
        Command::new(&program)
            .arg(database.url())
            // Any report fails the run: leaks included, and UBSan's (which does not stop
            // the program by itself) made fatal.
            .env(
                "ASAN_OPTIONS",
                "detect_leaks=1:abort_on_error=0:exitcode=23",
            )
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

    // What the program left: its threads' bots and bot 9001, bot 7's two events.
    assert_eq!(database.count("SELECT COUNT(*) FROM bot_state"), 4 * 50 + 1);
    assert_eq!(
        database
            .count("SELECT COUNT(*) FROM bot_state WHERE health = 1000 + bot_id AND level = 80"),
        4 * 50 + 1
    );
    assert_eq!(
        database.count("SELECT COUNT(*) FROM bot_event WHERE bot_id = 7"),
        2
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn the_c_program_passes() {
    build_and_run("c_plain", false);
}

#[test]
fn the_c_program_passes_under_asan_and_ubsan() {
    build_and_run("c_sanitized", true);
}
