//! Cache scenarios: a load answered from memory, and the hit rate of a skewed load pattern.

use std::time::Instant;

use crate::error::Error;
use crate::zipf::Zipf;
use playerbot_db::bots::BotState;

use super::baseline::Baseline;
use super::measure::Samples;
use super::scenarios::Outcome;
use super::Setup;

/// Bots whose loads the cache scenarios draw from.
const HOT_BOTS: u32 = 5_000;

/// `load` of a bot in memory, beside the cache crate's own `get` (with the clone it returns)
/// on the same rows: what the library adds to a hit.
pub(crate) async fn cache_hit_load(setup: &Setup, n: usize) -> Result<Outcome, Error> {
    let db = &setup.cached;
    let bots: Vec<u32> = (0..HOT_BOTS.min(setup.bots as u32)).collect();
    // Both sides hold the same rows.
    let loaded = db.load_many::<BotState>(&bots).await?;
    let crate_cache: quick_cache::sync::Cache<u32, BotState> =
        quick_cache::sync::Cache::new(65_536);
    for row in loaded.into_iter().flatten() {
        crate_cache.insert(row.bot_id, row);
    }
    let (mut ours, mut theirs) = (Samples::with_capacity(n), Samples::with_capacity(n));
    for block in 0..n.div_ceil(1_000) {
        for i in block * 1_000..((block + 1) * 1_000).min(n) {
            let id = bots[(i * 7_919) % bots.len()];
            let started = Instant::now();
            let row = db.load::<BotState>(&id).await?;
            ours.record(started);
            assert!(row.is_some());
            let started = Instant::now();
            let row = crate_cache.get(&id);
            theirs.record(started);
            assert!(row.is_some());
        }
    }
    Ok(Outcome {
        ours,
        baseline: theirs,
    })
}

/// Zipf(0.99) loads over 5,000 bots through the cache (default capacity), beside the first
/// fifth of the same loads by hand-written SQL; reports the cache's hit rate over all.
pub(crate) async fn zipf_hit_rate(
    setup: &Setup,
    baseline: &mut Baseline,
    n: usize,
) -> Result<(Outcome, f64), Error> {
    let db = &setup.cached;
    db.clear_cache::<BotState>()?;
    let before = cache_counts(db);
    let bots = HOT_BOTS.min(setup.bots as u32);
    let zipf = Zipf::new(bots as usize, 0.99);
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let draws: Vec<u32> = (0..n).map(|_| zipf.sample(next()) as u32).collect();
    let (mut ours, mut theirs) = (Samples::with_capacity(n), Samples::with_capacity(n / 5));
    for (i, &id) in draws.iter().enumerate() {
        let started = Instant::now();
        let row = db.load::<BotState>(&id).await?;
        ours.record(started);
        assert!(row.is_some());
        if i % 5 == 0 {
            let started = Instant::now();
            let row = baseline.load(id).await?;
            theirs.record(started);
            assert!(row.is_some());
        }
    }
    let after = cache_counts(db);
    let (hits, misses) = (after.0 - before.0, after.1 - before.1);
    let rate = hits as f64 / (hits + misses).max(1) as f64;
    Ok((
        Outcome {
            ours,
            baseline: theirs,
        },
        rate,
    ))
}

fn cache_counts(db: &playerbot_db::Db) -> (u64, u64) {
    db.cache_stats()
        .iter()
        .find(|stats| stats.entity == "BotState")
        .map_or((0, 0), |stats| (stats.hits, stats.misses))
}
