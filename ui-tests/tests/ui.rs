//! Compile-fail cases (one mistake per file, named after it, with the expected `.stderr`) and
//! compile-pass cases for every supported attribute and type.
//! Record new `.stderr` files with `TRYBUILD=overwrite cargo test -p playerbot-db-ui-tests`
//! and read them before committing.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
