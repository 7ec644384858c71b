//! Creates the built-in bot tables on a server, saves a few bots and loads them back.
//!
//! `cargo run -p playerbot-db --example quickstart` starts a private MariaDB from the
//! machine's binaries; set `PLAYERBOT_DB_URL=mysql://user:pass@host:3306/db` to use yours.

use std::time::Instant;

use playerbot_db::bots::{BotState, Equipment, ItemQuality, ItemSlot};
use playerbot_db::embedded::EmbeddedServer;
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::mysql_async::{Conn, Params};
use playerbot_db::session::connect_opts;
use playerbot_db::{BotEntity, ServerFlavor};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    // Keep the embedded server alive until the end of main; dropping it removes it.
    let (url, _server) = match std::env::var("PLAYERBOT_DB_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = EmbeddedServer::start()?;
            println!(
                "started an embedded server on port {} in {:?}",
                server.port(),
                started.elapsed()
            );
            (server.url(), Some(server))
        }
    };
    let mut conn = Conn::new(connect_opts(&url, None)?).await?;
    conn.query_drop("CREATE DATABASE IF NOT EXISTS playerbot_quickstart")
        .await?;
    conn.query_drop("USE playerbot_quickstart").await?;

    let flavor = ServerFlavor::detect(&mut conn).await?;
    let sql_of = |meta: &'static playerbot_db::EntityMeta| meta.statements(flavor.dialect());
    println!("server: {flavor}, dialect {:?}", flavor.dialect());
    conn.query_drop(sql_of(BotState::META).create_table).await?;
    conn.query_drop(sql_of(Equipment::META).create_table)
        .await?;

    for bot_id in 1..=3u32 {
        let state = BotState {
            bot_id,
            map_id: 571,
            zone_id: 4395,
            x: 5804.0 + bot_id as f32,
            y: 624.8,
            z: 647.8,
            orientation: 1.57,
            health: 27_400,
            mana: 18_000,
            level: 80,
            flags: 0,
            updated_at: 1_790_000_000_000,
        };
        conn.exec_drop(
            sql_of(BotState::META).upsert,
            Params::Positional(state.to_params()),
        )
        .await?;
        let sword = Equipment {
            bot_id,
            slot: ItemSlot::MainHand,
            item_entry: 49_623,
            quality: Some(ItemQuality::Legendary),
            enchant_id: None,
            durability: 120,
            guid: u64::from(bot_id) << 32,
        };
        conn.exec_drop(
            sql_of(Equipment::META).upsert,
            Params::Positional(sword.to_params()),
        )
        .await?;
    }

    for bot_id in 1..=3u32 {
        let row = conn
            .exec_first(
                sql_of(BotState::META).select_by_key,
                Params::Positional(BotState::key_params(&bot_id)),
            )
            .await?
            .expect("saved above");
        let state = BotState::from_row(row)?;
        let key = (bot_id, ItemSlot::MainHand);
        let row = conn
            .exec_first(
                sql_of(Equipment::META).select_by_key,
                Params::Positional(Equipment::key_params(&key)),
            )
            .await?
            .expect("saved above");
        let sword = Equipment::from_row(row)?;
        println!(
            "bot {bot_id}: map {} at ({:.1}, {:.1}, {:.1}), level {}, {:?} item {} ({:?}), partition p{}",
            state.map_id,
            state.x,
            state.y,
            state.z,
            state.level,
            sword.slot,
            sword.item_entry,
            sword.quality,
            state.partition().unwrap_or(0),
        );
    }
    conn.query_drop("DROP DATABASE playerbot_quickstart")
        .await?;
    conn.disconnect().await?;
    println!("done in {:?}", started.elapsed());
    Ok(())
}
