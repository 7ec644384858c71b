//! The committed header is what cbindgen makes of the crate's `extern "C"` items now.

use std::path::Path;

const UPDATE_ENV: &str = "PBDB_UPDATE_HEADER";

#[test]
fn committed_header_matches_the_code() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("reading cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generating the header")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");
    let path = crate_dir.join("include/playerbot_db.h");
    if std::env::var_os(UPDATE_ENV).is_some() {
        std::fs::write(&path, &generated).expect("writing the header");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} differs from what the code generates; regenerate it with\n  \
         {UPDATE_ENV}=1 cargo test -p playerbot-db-ffi --test header\nand commit it",
        path.display()
    );
}
