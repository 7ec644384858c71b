//! The end-of-run report, as a table for people and as JSON for scripts.

use playerbot_db::Db;

use super::verify::Verdict;
use super::workload::Tally;
use super::Args;
use crate::bench::measure::{Samples, Summary};

/// Latency by percentile of one kind of call, for the chart: `(percentile, µs)`.
pub(super) type Curve = (&'static str, Vec<(f64, f64)>);

/// One kind of call in the report.
struct Calls {
    name: &'static str,
    count: usize,
    summary: Summary,
}

/// What happened to the servers during the run: a range move, a Galera node killed.
pub(super) struct Happened<'a> {
    pub(super) moved: Option<Result<playerbot_db::cluster::MoveReport, playerbot_db::Error>>,
    pub(super) galera: Option<&'a super::galera::Outcome>,
    /// The login storm after the run, when the run got that far.
    pub(super) login: Option<&'a super::login::Login>,
}

pub(super) struct Report {
    lines: Vec<String>,
    fields: Vec<(&'static str, String)>,
    /// Save and load latencies by percentile.
    pub(super) latencies: Vec<Curve>,
}

/// Percentiles drawn in the latency chart: every whole one, then the tail.
const PERCENTILES: [f64; 6] = [99.5, 99.9, 99.95, 99.99, 99.999, 100.0];

fn curve(name: &'static str, samples: &Samples) -> Curve {
    let points = (0..=99)
        .map(f64::from)
        .chain(PERCENTILES)
        .map(|p| (p, samples.quantile_us(p / 100.0)))
        .collect();
    (name, points)
}

fn calls(name: &'static str, samples: &mut Samples) -> Calls {
    Calls {
        name,
        count: samples.len(),
        summary: samples.summary(),
    }
}

impl Report {
    pub(super) fn new(
        db: &Db,
        args: &Args,
        mut tally: Tally,
        lag: &mut Samples,
        seconds: f64,
        verified: &Verdict,
        happened: Happened<'_>,
    ) -> Report {
        let Happened {
            moved,
            galera,
            login,
        } = happened;
        let behind = db.write_behind_stats();
        let pool = db.stats();
        let reads = db.read_stats();
        let hit_rate = tally.hit_rate();
        let kinds = [
            calls("save_deferred", &mut tally.saves),
            calls("load (memory)", &mut tally.memory_loads),
            calls("load (database)", &mut tally.server_loads),
        ];
        let latencies = vec![
            curve("save_deferred", &tally.saves),
            curve("load (memory)", &tally.memory_loads),
            curve("load (database)", &tally.server_loads),
        ];
        let saves = kinds[0].count;
        let saves_per_s = saves as f64 / seconds.max(f64::MIN_POSITIVE);
        let accepted = saves as u64 + tally.events + tally.ai_values;
        let coalescing = behind.rows_coalesced as f64 / accepted.max(1) as f64;
        let (bots, hz) = (args.bots, args.hz);
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        let lag = lag.summary();
        let lag_p99_ms = lag.p99_us / 1e3;
        let move_line = match &moved {
            Some(Ok(report)) => format!(
                "range move: {} rows copied ({}), writes to the range held {:.1} ms",
                report.copied.iter().map(|(_, n)| n).sum::<u64>(),
                report
                    .copied
                    .iter()
                    .map(|(table, n)| format!("{table} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                report.held.as_secs_f64() * 1e3
            ),
            _ => String::new(),
        };
        let mut lines = vec![
            format!(
                "bots {bots}, {seconds:.1} s at {hz} Hz; login (bulk save and load of every bot) {:.0} ms",
                ms(tally.login)
            ),
            match galera {
                Some(outcome) => galera_line(db, outcome),
                None => topology_line(db, args),
            },
            format!("{:<16} {:>9} {:>10} {:>10} {:>10}", "calls", "count", "p50 µs", "p99 µs", "max µs"),
        ];
        for kind in &kinds {
            lines.push(format!(
                "{:<16} {:>9} {:>10.2} {:>10.2} {:>10.1}",
                kind.name,
                kind.count,
                kind.summary.p50_us,
                kind.summary.p99_us,
                kind.summary.max_us
            ));
        }
        lines.extend([
            format!(
                "{:<16} {:>9} {:>10.2} {:>10.2} {:>10.1}  (ms: one write-behind round)",
                "flush",
                behind.flushes,
                ms(behind.flush_p50),
                ms(behind.flush_p99),
                ms(behind.max_flush)
            ),
            format!(
                "{:<16} {:>9} {:>10.2} {:>10.2} {:>10.1}  (ms: the oldest unflushed save's wait, every 250 ms)",
                "flush lag",
                "",
                lag.p50_us / 1e3,
                lag_p99_ms,
                lag.max_us / 1e3
            ),
            format!(
                "events {}, ai values {}, relogins {}; {saves_per_s:.0} saves/s",
                tally.events, tally.ai_values, tally.relogins
            ),
            format!(
                "rows written {}, coalesced {} ({coalescing:.3} of accepted), retries {}; queue depth max {}; final flush {:.1} ms",
                behind.rows_written,
                behind.rows_coalesced,
                behind.retries,
                tally.depth_max,
                ms(tally.final_flush)
            ),
            format!("cache hit rate {hit_rate:.4} (game-loop loads answered from memory)"),
            format!(
                "pool: open {}, checkouts {}, waits {} (longest {:.1} ms), timeouts {}",
                pool.open,
                pool.checkouts,
                pool.waits,
                ms(pool.max_wait),
                pool.timeouts
            ),
            if verified.passed() {
                "verified: true (the table holds exactly every bot's last state)".to_owned()
            } else {
                format!("verified: false ({})", verified.problems())
            },
        ]);
        if !move_line.is_empty() {
            lines.insert(2, move_line);
        }
        let latency_json = |kind: &Calls| {
            format!(
                "{{\"calls\": {}, \"p50_us\": {:.3}, \"p99_us\": {:.3}, \"max_us\": {:.3}}}",
                kind.count, kind.summary.p50_us, kind.summary.p99_us, kind.summary.max_us
            )
        };
        let mut fields = vec![
            ("bots", bots.to_string()),
            ("seconds", format!("{seconds:.3}")),
            ("hz", hz.to_string()),
            ("saves_per_s", format!("{saves_per_s:.1}")),
            ("flush_lag_p99_ms", format!("{lag_p99_ms:.3}")),
            ("flush_lag_p50_ms", format!("{:.3}", lag.p50_us / 1e3)),
            ("cache_hit_rate", format!("{hit_rate:.4}")),
            ("verified", verified.passed().to_string()),
            ("save_deferred", latency_json(&kinds[0])),
            ("load_memory", latency_json(&kinds[1])),
            ("load_database", latency_json(&kinds[2])),
            (
                "flush",
                format!(
                    "{{\"rounds\": {}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"max_ms\": {:.3}}}",
                    behind.flushes,
                    ms(behind.flush_p50),
                    ms(behind.flush_p99),
                    ms(behind.max_flush)
                ),
            ),
            ("rows_written", behind.rows_written.to_string()),
            ("rows_coalesced", behind.rows_coalesced.to_string()),
            ("coalescing_ratio", format!("{coalescing:.4}")),
            ("retries", behind.retries.to_string()),
            ("events", tally.events.to_string()),
            ("ai_values", tally.ai_values.to_string()),
            ("relogins", tally.relogins.to_string()),
            ("replica_reads", reads.replica_reads.to_string()),
            ("replica_fallbacks", reads.fallbacks.to_string()),
            ("shards", db.shard_count().to_string()),
            ("replicas_per_shard", args.replicas.to_string()),
            ("queue_depth_max", tally.depth_max.to_string()),
            (
                "pool",
                format!(
                    "{{\"open\": {}, \"checkouts\": {}, \"waits\": {}, \"timeouts\": {}}}",
                    pool.open, pool.checkouts, pool.waits, pool.timeouts
                ),
            ),
        ];
        if let Some(login) = login {
            lines.push(format!(
                "login storm: {} bots as tasks of their own (state, events, AI values) in {:.1} ms; {} statements (joined: {} loads in {}, {} lookups in {})",
                login.bots,
                login.ms,
                login.statements,
                login.joined.loads,
                login.joined.load_statements,
                login.joined.lookups,
                login.joined.lookup_statements
            ));
            fields.push(("login_ms", format!("{:.1}", login.ms)));
            fields.push(("login_statements", login.statements.to_string()));
        }
        if let Some(outcome) = galera {
            fields.push(("galera_nodes", outcome.nodes.to_string()));
            let failover = outcome.killed.map_or("null".to_owned(), |(_, waited)| {
                format!("{:.1}", waited.as_secs_f64() * 1e3)
            });
            fields.push(("failover_ms", failover));
            fields.push(("lost_saves", outcome.lost_saves.to_string()));
        }
        Report {
            lines,
            fields,
            latencies,
        }
    }

    pub(super) fn table(&self) -> String {
        self.lines.join("\n")
    }

    pub(super) fn json(&self) -> String {
        let body = self
            .fields
            .iter()
            .map(|(name, value)| format!("  \"{name}\": {value}"))
            .collect::<Vec<_>>()
            .join(",\n");
        format!("{{\n{body}\n}}\n")
    }
}

/// `servers: Galera cluster of 3 nodes, writer node 1; …` and the kill, when there was one.
fn galera_line(db: &Db, outcome: &super::galera::Outcome) -> String {
    let nodes = db
        .galera_health()
        .into_iter()
        .next()
        .map(|(_, nodes)| nodes)
        .unwrap_or_default();
    let writer = nodes.iter().position(|node| node.writer);
    let usable = nodes.iter().filter(|node| node.usable()).count();
    let mut line = format!(
        "servers: Galera cluster of {} nodes, writer node {}, {usable} synced at the end of the run; failovers {}",
        outcome.nodes,
        writer.map_or("none".to_owned(), |w| w.to_string()),
        db.galera_failovers()
    );
    if let Some((node, waited)) = outcome.killed {
        line.push_str(&format!(
            "; node {node} killed, writes flowed again after {:.0} ms; lost saves {}",
            waited.as_secs_f64() * 1e3,
            outcome.lost_saves
        ));
    }
    line
}

/// `servers: 1` or `servers: 2 shards × (primary + 1 replica); replicas in rotation 2 of 2`.
fn topology_line(db: &Db, args: &Args) -> String {
    let shards = db.shard_count();
    if shards == 1 && args.replicas == 0 {
        return "servers: 1".to_owned();
    }
    let health = db.replica_health();
    let healthy = health.iter().filter(|h| h.healthy).count();
    let reads = db.read_stats();
    format!(
        "servers: {shards} shards × (primary + {} replicas); replicas in rotation {healthy} of {}; \
         reads asked of replicas: {} answered there, {} by the primary",
        args.replicas,
        health.len(),
        reads.replica_reads,
        reads.fallbacks
    )
}
