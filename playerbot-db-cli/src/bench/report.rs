//! The results as a table for people and as JSON for tools.

use std::fmt::Write;

use super::Result_;

/// p50 of ours over p50 of the baseline (lower is better; 1.00 is parity).
fn ratio_p50(result: &Result_) -> f64 {
    result.ours.p50_us / result.baseline.p50_us.max(f64::MIN_POSITIVE)
}

pub(crate) fn table(server: &str, results: &[Result_]) -> String {
    let mut out = format!("server: {server}\n");
    writeln!(
        out,
        "{:<16} {:>10} {:>10} {:>12} | {:>10} {:>10} {:>12} | {:>9} {:>10}",
        "scenario",
        "ours p50",
        "ours p99",
        "ours ops/s",
        "base p50",
        "base p99",
        "base ops/s",
        "ratio p50",
        "ops ratio"
    )
    .expect("write to String");
    for r in results {
        if let Some((name, value)) = r.extra {
            writeln!(out, "{:<16} ours {name}: {value:.4}", r.name).expect("write to String");
        }
        writeln!(
            out,
            "{:<16} {:>8.1}µs {:>8.1}µs {:>12.0} | {:>8.1}µs {:>8.1}µs {:>12.0} | {:>9.3} {:>9.2}×",
            r.name,
            r.ours.p50_us,
            r.ours.p99_us,
            r.ours.ops_per_s,
            r.baseline.p50_us,
            r.baseline.p99_us,
            r.baseline.ops_per_s,
            ratio_p50(r),
            r.ours.ops_per_s / r.baseline.ops_per_s.max(f64::MIN_POSITIVE),
        )
        .expect("write to String");
    }
    out
}

pub(crate) fn json(server: &str, results: &[Result_]) -> String {
    let side = |s: &super::Summary, extra: Option<(&str, f64)>| {
        let extra = extra.map_or_else(String::new, |(name, value)| {
            format!(", {}: {value:.4}", quote(name))
        });
        format!(
            "{{\"p50_us\": {:.3}, \"p99_us\": {:.3}, \"ops_per_s\": {:.1}{extra}}}",
            s.p50_us, s.p99_us, s.ops_per_s
        )
    };
    let scenarios: Vec<String> = results
        .iter()
        .map(|r| {
            format!(
                "    {{\"name\": {}, \"ours\": {}, \"baseline\": {}, \"ratio_p50\": {:.4}}}",
                quote(r.name),
                side(&r.ours, r.extra),
                side(&r.baseline, None),
                ratio_p50(r)
            )
        })
        .collect();
    format!(
        "{{\n  \"server\": {},\n  \"scenarios\": [\n{}\n  ]\n}}\n",
        quote(server),
        scenarios.join(",\n")
    )
}

/// A JSON string literal.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).expect("write to String"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::measure::Summary;

    #[test]
    fn json_has_the_documented_shape() {
        let s = Summary {
            p50_us: 80.0,
            p99_us: 100.0,
            max_us: 0.0,
            ops_per_s: 12_000.0,
        };
        let b = Summary {
            p50_us: 76.0,
            p99_us: 98.0,
            max_us: 0.0,
            ops_per_s: 13_000.0,
        };
        let text = json(
            "MariaDB \"10.11\"",
            &[Result_ {
                name: "point_load",
                ours: s,
                baseline: b,
                extra: Some(("hit_rate", 0.5)),
            }],
        );
        assert!(
            text.contains("\"server\": \"MariaDB \\\"10.11\\\"\""),
            "{text}"
        );
        assert!(
            text.contains("\"name\": \"point_load\", \"ours\": {\"p50_us\": 80.000"),
            "{text}"
        );
        assert!(text.contains("\"ratio_p50\": 1.0526"), "{text}");
        assert!(
            text.contains("\"ops_per_s\": 12000.0, \"hit_rate\": 0.5000}"),
            "{text}"
        );
    }
}
