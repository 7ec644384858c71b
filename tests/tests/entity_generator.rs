//! `playerbot-db entity` on tables a bot module already has: what it prints for the ten
//! tables of `adopted_ddl` is `tests/src/adopted.rs`, which this crate compiles as it is.
//! Run with `UPDATE_GENERATED=1` to write the file after a deliberate change.

use playerbot_db_generate::entities_source;
use playerbot_db_tests::{create_adopted_tables, round_trip, TestDb};

#[tokio::test]
async fn the_generator_prints_the_committed_entities() {
    let test = TestDb::new("entity_generator").await;
    let mut conn = test.conn().await;
    create_adopted_tables(&mut conn).await;
    let dialect = round_trip::dialect(&mut conn).await;
    let printed = entities_source(&mut conn, dialect, &[])
        .await
        .expect("generate");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/adopted.rs");
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(path, &printed).expect("write adopted.rs");
        return;
    }
    let committed = std::fs::read_to_string(path).expect("read adopted.rs");
    if printed != committed {
        let first = printed
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(printed.lines().count().min(committed.lines().count()));
        panic!(
            "the generator's output differs from {path} from line {}:\nprinted:   {:?}\ncommitted: {:?}\n\
             run with UPDATE_GENERATED=1 if the change is meant",
            first + 1,
            printed.lines().nth(first),
            committed.lines().nth(first)
        );
    }
}
