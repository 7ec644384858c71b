//! The C++ side: `examples/cpp/boundary_bench.cpp` configured (Release) and built with CMake
//! against the static library this example was built with, run on the same server, and its
//! figures read back.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::times::{Figures, Shape, Side};

/// The static library cargo built with this example (`target/<profile>/deps/`: a build of
/// an example does not copy it up a folder).
fn static_lib() -> PathBuf {
    let exe = std::env::current_exe().expect("the example's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the example sits in target/<profile>/examples");
    let lib = profile_dir.join("deps/libplayerbot_db_ffi.a");
    assert!(
        lib.exists(),
        "{} is missing: cargo builds it with the example",
        lib.display()
    );
    lib
}

fn run(command: &mut Command) -> String {
    let shown = format!("{command:?}");
    let output = command.output().unwrap_or_else(|err| {
        panic!("running {shown}: {err} (the C++ side needs g++ and cmake: apt-get install -y g++ cmake)")
    });
    assert!(
        output.status.success(),
        "{shown} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Builds the C++ program and runs `calls` of each call on bots `1..=bots` of `url`, in
/// `shape`'s order.
pub(crate) fn run_cpp(url: &str, calls: usize, bots: u32, shape: Shape) -> Side {
    let lib = static_lib();
    let build = std::env::current_exe()
        .expect("the example's path")
        .with_file_name("boundary_bench-cpp");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cpp");
    run(Command::new("cmake")
        .arg("-S")
        .arg(&source)
        .arg("-B")
        .arg(&build)
        .arg("-DCMAKE_BUILD_TYPE=Release")
        .arg(format!("-DPLAYERBOT_DB_FFI_LIB={}", lib.display())));
    run(Command::new("cmake")
        .arg("--build")
        .arg(&build)
        .args(["--target", "boundary_bench"]));
    let output = run(Command::new(build.join("boundary_bench"))
        .arg(url)
        .arg(calls.to_string())
        .arg(bots.to_string())
        .arg(shape.word()));
    let figures = |call: &str| -> Figures {
        let prefix = format!("cpp {call} p50 ");
        let line = output
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {call} figures in:\n{output}"));
        let numbers: Vec<u128> = line
            .split(" p99 ")
            .map(|n| n.trim().parse().expect("a number of ns"))
            .collect();
        Figures {
            p50: numbers[0],
            p99: numbers[1],
        }
    };
    Side {
        save_deferred: figures("save_deferred"),
        load_cached: figures("load_cached"),
        load_queued: figures("load_queued"),
    }
}
