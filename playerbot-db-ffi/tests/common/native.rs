//! Building and running C and C++ programs against the committed header and the static
//! library cargo built for this test run.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate's folder.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The static library of this build: cargo writes it beside the test binaries (`deps/`).
pub fn static_lib() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let lib = exe
        .parent()
        .expect("the test binary's folder")
        .join("libplayerbot_db_ffi.a");
    assert!(
        lib.exists(),
        "{} is missing: cargo builds it with the crate's tests",
        lib.display()
    );
    lib
}

/// The system libraries a program linking the static library needs on Linux, as
/// `cargo rustc -p playerbot-db-ffi --crate-type staticlib -- --print=native-static-libs`
/// prints them.
pub const NATIVE_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// A folder of this test's own for build outputs.
pub fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("creating the build folder");
    dir
}

/// Runs `command`, failing the test with its output unless it exits with 0.
pub fn run(command: &mut Command) -> Output {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("running {shown}: {err} (is the compiler installed?)"));
    assert!(
        output.status.success(),
        "{shown} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
