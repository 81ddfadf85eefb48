//! The storm's results as markdown tables, one per scenario.

use std::fmt::Write;

use crate::contender::Kind;
use crate::scenarios::{
    Metastable, Outage, Tail, Totals, FAILURE_RATES_PCT, METASTABLE_OUTAGE, SETTLED,
};

/// (a): one row per contender.
pub fn outage(rows: &[(Kind, Outage)]) -> String {
    let settled = SETTLED.as_secs();
    let mut md = format!(
        "| contender | calls | attempts at the dependency | amplification (attempts ÷ calls) | mean call duration (s) | after the first {settled} s: attempts ÷ calls | after the first {settled} s: mean call duration (ms) |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for (kind, Outage { window: t, settled }) in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3} | {:.2} | {:.4} | {:.1} |",
            kind.label(),
            t.calls,
            t.attempts,
            t.amplification(),
            t.mean_took_s(),
            settled.amplification(),
            1000.0 * settled.mean_took_s(),
        );
    }
    md
}

/// (b): times the breaker opened at each failure rate.
pub fn breaker_opened(opened: &[(u32, u64)]) -> String {
    let mut md = String::from("| failure rate | times the breaker opened |\n|---:|---:|\n");
    for (pct, times) in opened {
        let _ = writeln!(md, "| {pct} % | {times} |");
    }
    md
}

/// (e): one row per contender.
pub fn flapping(rows: &[(Kind, Totals, Option<u64>)]) -> String {
    let mut md = String::from(
        "| contender | calls | success rate | attempts ÷ calls | mean call duration (s) | times the breaker opened |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for (kind, t, opened) in rows {
        let opened = opened.map_or_else(|| "–".to_string(), |n| n.to_string());
        let _ = writeln!(
            md,
            "| {} | {} | {:.2} % | {:.3} | {:.2} | {opened} |",
            kind.label(),
            t.calls,
            100.0 * t.success(),
            t.amplification(),
            t.mean_took_s(),
        );
    }
    md
}

/// (b): amplification and success rate, one row per failure rate, one column per contender.
pub fn failure_rate(columns: &[(Kind, Vec<Totals>)]) -> String {
    let mut md = String::new();
    let header = |md: &mut String, what: &str| {
        let _ = write!(md, "| {what} |");
        for (kind, _) in columns {
            let _ = write!(md, " {} |", kind.label());
        }
        md.push_str("\n|---:|");
        md.push_str(&"---:|".repeat(columns.len()));
        md.push('\n');
    };
    let body = |md: &mut String, cell: &dyn Fn(&Totals) -> String| {
        for (i, pct) in FAILURE_RATES_PCT.iter().enumerate() {
            let _ = write!(md, "| {pct} % |");
            for (_, totals) in columns {
                let _ = write!(md, " {} |", cell(&totals[i]));
            }
            md.push('\n');
        }
    };
    md.push_str("Amplification (attempts ÷ calls):\n\n");
    header(&mut md, "failure rate");
    body(&mut md, &|t| format!("{:.3}", t.amplification()));
    md.push_str("\nSuccess rate of calls:\n\n");
    header(&mut md, "failure rate");
    body(&mut md, &|t| format!("{:.3} %", 100.0 * t.success()));
    md
}

/// (c): one row per contender.
pub fn nested(rows: &[(Kind, Totals)]) -> String {
    let mut md = String::from(
        "| contender | top-level calls | attempts at the dependency | per top-level call | mean call duration (s) |\n\
         |---|---:|---:|---:|---:|\n",
    );
    for (kind, t) in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.2} | {:.2} |",
            kind.label(),
            t.calls,
            t.attempts,
            t.amplification(),
            t.mean_took_s()
        );
    }
    md
}

/// Seconds at the end of (d) over which the lingering load is averaged.
const LAST_SECONDS: usize = 10;

/// (d): one row per contender.
pub fn metastable(rows: &[(Kind, Metastable)]) -> String {
    let mut md = format!(
        "| contender | recovered after the fault (s) | success of calls after the fault | attempts ÷ calls after the fault | load in the last {LAST_SECONDS} s (× capacity) |\n\
         |---|---:|---:|---:|---:|\n"
    );
    let after_fault = METASTABLE_OUTAGE.end.as_secs();
    for (kind, m) in rows {
        let recovered = match m.recovery_s {
            Some(s) => s.to_string(),
            None => {
                let measured = m.seconds.len() as u64 - after_fault;
                format!("not within {measured}")
            }
        };
        let last = &m.seconds[m.seconds.len().saturating_sub(LAST_SECONDS)..];
        let load = last.iter().map(|s| s.load).sum::<f64>() / last.len().max(1) as f64;
        let _ = writeln!(
            md,
            "| {} | {recovered} | {:.2} % | {:.3} | {load:.2} |",
            kind.label(),
            100.0 * m.after.success(),
            m.after.amplification(),
        );
    }
    md
}

/// (f): latency percentiles and extra load, one row per contender.
pub fn tail(rows: &[(Kind, Tail)]) -> String {
    let mut md = String::from(
        "| contender | p50 (ms) | p99 (ms) | p99.9 (ms) | extra requests per call | success |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    for (kind, t) in rows {
        let _ = writeln!(
            md,
            "| {} | {:.1} | {:.1} | {:.1} | {:.2} % | {:.2} % |",
            kind.label(),
            ms(t.p50),
            ms(t.p99),
            ms(t.p999),
            100.0 * t.extra_load(),
            100.0 * t.totals.success(),
        );
    }
    md
}

/// (f), the outage: attempts per call with and without hedging.
pub fn hanging_outage(rows: &[(Kind, Totals)]) -> String {
    let mut md = String::from(
        "| contender | calls | attempts at the dependency | attempts ÷ calls | mean call duration (s) |\n\
         |---|---:|---:|---:|---:|\n",
    );
    for (kind, t) in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3} | {:.2} |",
            kind.label(),
            t.calls,
            t.attempts,
            t.amplification(),
            t.mean_took_s()
        );
    }
    md
}
