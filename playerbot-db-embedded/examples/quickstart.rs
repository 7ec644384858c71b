//! Creates the built-in bot tables on a server, saves a few bots and loads them back through
//! the repository.
//!
//! `cargo run -p playerbot-db-embedded --example quickstart` starts a private MariaDB from the
//! machine's binaries; set `PLAYERBOT_DB_URL=mysql://user:pass@host:3306/` to use yours.

use std::time::Instant;

use playerbot_db::bots::{BotState, Equipment, ItemQuality, ItemSlot};
use playerbot_db::mysql_async::prelude::Queryable;
use playerbot_db::{BotEntity, Db};
use playerbot_db_embedded::EmbeddedServer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    // Keep the embedded server alive until the end of main; dropping it removes it.
    let (url, _server) = match std::env::var("PLAYERBOT_DB_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = EmbeddedServer::start().await?;
            println!(
                "started an embedded server on port {} in {:?}",
                server.port(),
                started.elapsed()
            );
            (server.url(), Some(server))
        }
    };
    let admin = Db::builder(&url).max_connections(1).build().await?;
    admin
        .conn()
        .await?
        .query_drop("CREATE DATABASE IF NOT EXISTS playerbot_quickstart")
        .await?;
    let db = Db::builder(&url)
        .database("playerbot_quickstart")
        .register::<BotState>()
        .register::<Equipment>()
        .build()
        .await?;
    db.create_tables().await?;
    println!("server: {}", db.flavor().await?);

    let mut batch = db.batch();
    for bot_id in 1..=3u32 {
        batch.save(&BotState {
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
        });
        batch.save(&Equipment {
            bot_id,
            slot: ItemSlot::MainHand,
            item_entry: 49_623,
            quality: Some(ItemQuality::Legendary),
            enchant_id: None,
            durability: 120,
            guid: u64::from(bot_id) << 32,
        });
    }
    batch.commit().await?;

    let states = db.load_many::<BotState>(&[1, 2, 3, 4]).await?;
    for state in states.iter().flatten() {
        let sword = db
            .load::<Equipment>(&(state.bot_id, ItemSlot::MainHand))
            .await?
            .expect("saved above");
        println!(
            "bot {}: map {} at ({:.1}, {:.1}, {:.1}), level {}, {:?} item {} ({:?}), partition p{}",
            state.bot_id,
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
    println!("bot 4: {:?}", states[3]);
    println!("pool: {:?}", db.stats());
    admin
        .conn()
        .await?
        .query_drop("DROP DATABASE playerbot_quickstart")
        .await?;
    println!("done in {:?}", started.elapsed());
    Ok(())
}
