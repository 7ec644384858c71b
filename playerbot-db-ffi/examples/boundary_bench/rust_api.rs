//! The Rust side: the same calls awaited inside the runtime, as an async Rust game makes
//! them.

use std::time::{Duration, Instant};

use playerbot_db::bots::BotState;
use playerbot_db::Db;
use tokio::runtime::Runtime;

use crate::times::{Shape, Times};

fn state(bot_id: u32) -> BotState {
    BotState {
        bot_id,
        map_id: 0,
        zone_id: 0,
        x: 0.0,
        y: 0.0,
        z: 0.0,
        orientation: 0.0,
        health: 1000,
        mana: 0,
        level: 80,
        flags: 0,
        updated_at: 0,
    }
}

async fn save(db: &Db, bot_id: u32) -> Duration {
    let row = state(bot_id);
    let started = Instant::now();
    db.save_deferred(&row).await.expect("save_deferred");
    started.elapsed()
}

async fn load(db: &Db, bot_id: u32) -> Duration {
    let started = Instant::now();
    let loaded = db.load::<BotState>(&bot_id).await.expect("load");
    let elapsed = started.elapsed();
    assert!(loaded.is_some());
    elapsed
}

async fn queued(db: &Db, bot_id: u32) -> Duration {
    let started = Instant::now();
    let db = db.clone();
    let task = tokio::spawn(async move { db.load::<BotState>(&bot_id).await });
    let loaded = task.await.expect("the task").expect("load");
    let elapsed = started.elapsed();
    assert!(loaded.is_some());
    elapsed
}

/// `calls` of each call over bots `1..=bots`, in `shape`'s order (as the C and C++ passes).
pub(crate) fn pass(runtime: &Runtime, db: &Db, calls: usize, bots: u32, shape: Shape) -> Times {
    let bot = move |i: usize| 1 + (i as u32 % bots);
    runtime.block_on(async {
        let mut times = Times::default();
        match shape {
            Shape::Phased => {
                for i in 0..calls {
                    times.save_deferred.push(save(db, bot(i)).await);
                }
                for i in 0..calls {
                    times.load_cached.push(load(db, bot(i)).await);
                }
                for i in 0..calls {
                    times.load_queued.push(queued(db, bot(i)).await);
                }
            }
            Shape::Interleaved => {
                for i in 0..calls {
                    times.save_deferred.push(save(db, bot(i)).await);
                    times.load_cached.push(load(db, bot(i)).await);
                    times.load_queued.push(queued(db, bot(i)).await);
                }
            }
        }
        times
    })
}
