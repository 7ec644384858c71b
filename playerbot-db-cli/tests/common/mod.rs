//! What the command tests share: running the binary as a user would, and reading what it
//! printed.

#![allow(dead_code)] // Each test file uses its own part of it.

pub(crate) mod http;

use std::process::{Command, Output};

/// `playerbot-db args…` with no server or shard map named in the environment, to run.
pub(crate) fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_playerbot-db"));
    command
        .args(args)
        .env_remove("PLAYERBOT_DB_URL")
        .env_remove("PLAYERBOT_DB_SHARDS");
    command
}

/// Runs `playerbot-db args…` as [`command`] sets it up, to its end.
pub(crate) fn playerbot_db(args: &[&str]) -> Output {
    command(args).output().expect("run playerbot-db")
}

/// What a run printed: (stdout, stderr).
pub(crate) fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A runtime for tests that also run the binary: two workers, like the machine.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A shard map file in `dir` over two embedded servers: bots 0..1000 on `a`, the rest on
/// `b`, in their `game` databases.
pub(crate) fn shard_map(
    dir: &std::path::Path,
    a: &playerbot_db_embedded::EmbeddedServer,
    b: &playerbot_db_embedded::EmbeddedServer,
) -> std::path::PathBuf {
    use playerbot_db_tests::servers::game_url;
    let map = dir.join("shards.txt");
    let text = format!("0..1000 {}\n1000.. {}\n", game_url(a), game_url(b));
    std::fs::write(&map, text).unwrap();
    map
}

/// Two servers, their shard map in `dir`, and a game cluster on them with `policy`, the
/// built-in schema migrated and bots 0..1000 saved.
pub(crate) async fn game_on_two_servers(
    dir: &std::path::Path,
    policy: playerbot_db::cluster::ClusterPolicy,
) -> (
    playerbot_db_embedded::EmbeddedServer,
    playerbot_db_embedded::EmbeddedServer,
    std::path::PathBuf,
    playerbot_db::Db,
) {
    use playerbot_db_tests::fixtures::bot_state;
    let (a, b, topology) = playerbot_db_tests::servers::two_servers().await;
    let map = shard_map(dir, &a, &b);
    let game = playerbot_db::Db::cluster(topology)
        .policy(policy)
        .register_bot_schema()
        .build()
        .await
        .unwrap();
    for shard in 0..2 {
        playerbot_db::migrate::Migrator::builtin()
            .run(&game.primary(shard))
            .await
            .unwrap();
    }
    let bots: Vec<playerbot_db::bots::BotState> = (0..1_000).map(bot_state).collect();
    game.save_all(&bots).await.unwrap();
    (a, b, map, game)
}

/// Whether `server`'s `game.bot_state` comes to hold `bots` rows (a simulator's login)
/// within 30 s; the table may not exist yet.
pub(crate) async fn bots_logged_in(
    server: &playerbot_db_embedded::EmbeddedServer,
    bots: u64,
) -> bool {
    use playerbot_db::mysql_async::prelude::Queryable;
    for _ in 0..600 {
        let opts = playerbot_db_embedded::connect_opts(&server.url(), None).unwrap();
        if let Ok(mut conn) = playerbot_db::mysql_async::Conn::new(opts).await {
            let found: Option<u64> = conn
                .query_first("SELECT COUNT(*) FROM game.bot_state")
                .await
                .unwrap_or(None);
            conn.disconnect().await.ok();
            if found == Some(bots) {
                return true;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}
