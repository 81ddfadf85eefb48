//! The demo's closing report: outcomes, duplicates prevented, latency and retries by site.

use std::fmt::Write as _;
use std::time::Duration;

use wait_or_die::stats;

use super::audit::Audit;
use crate::gateway::CounterSnapshot;

/// What the report is about, besides the audit.
pub struct RunFacts {
    /// Concurrent clients.
    pub clients: usize,
    /// Terminal fault rate.
    pub fault_rate: f64,
    /// Fraction of replies dropped on the socket.
    pub reply_drop_rate: f64,
    /// Seed.
    pub seed: u64,
    /// Retry time scale.
    pub time_scale: f64,
    /// Faults the terminal drew.
    pub terminal_faults: u64,
    /// Gateway counters at the end.
    pub counters: CounterSnapshot,
    /// Wall time of the run.
    pub wall: Duration,
}

fn breakdown(counts: &std::collections::BTreeMap<String, usize>) -> String {
    counts
        .iter()
        .map(|(code, n)| format!("{code} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn total(counts: &std::collections::BTreeMap<String, usize>) -> usize {
    counts.values().sum()
}

fn millis(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The report as text.
pub fn render(audit: &Audit, facts: &RunFacts) -> String {
    let c = &facts.counters;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "\nwait-or-die gateway demo");
    let _ = writeln!(
        w,
        "  {} clients, {:.0}% terminal faults + {:.0}% dropped replies, seed {}, retry time scale {}, {:.1} s wall\n",
        facts.clients,
        facts.fault_rate * 100.0,
        facts.reply_drop_rate * 100.0,
        facts.seed,
        facts.time_scale,
        facts.wall.as_secs_f64()
    );
    let _ = writeln!(w, "  orders sent            {:>6}", audit.sent);
    let _ = writeln!(w, "    filled               {:>6}", audit.filled);
    let _ = writeln!(
        w,
        "    partially filled     {:>6}   (IOC: the rest cancelled, never resent)",
        audit.partial
    );
    let _ = writeln!(w, "    placed (pending)     {:>6}", audit.placed);
    let _ = writeln!(
        w,
        "    rejected             {:>6}   {}",
        total(&audit.rejected),
        breakdown(&audit.rejected)
    );
    let _ = writeln!(
        w,
        "    died (gave up)       {:>6}   {}",
        total(&audit.died),
        breakdown(&audit.died)
    );
    let _ = writeln!(w, "    lost                 {:>6}", audit.lost.len());
    let _ = writeln!(w, "  duplicated             {:>6}", audit.duplicated.len());
    let _ = writeln!(
        w,
        "  duplicates prevented   {:>6}   replayed from journal {}, joined in flight {}, found executed by reconciliation {}",
        c.duplicates_prevented(),
        c.replayed_from_journal,
        c.joined_in_flight,
        c.reconciled_found
    );
    let _ = writeln!(
        w,
        "  fills per req_id       max {}   ({} req_ids with more than one)",
        audit.max_fills_per_req_id,
        audit.duplicated.len()
    );
    let _ = writeln!(w, "  deals nobody ordered   {:>6}", audit.unexplained);
    let _ = writeln!(
        w,
        "  latency                p50 {}, p99 {}, max {}",
        millis(audit.latency(0.5)),
        millis(audit.latency(0.99)),
        millis(audit.latency(1.0))
    );
    let _ = writeln!(
        w,
        "  faults injected        terminal {}, replies dropped {}, replies to reconnected clients {}",
        facts.terminal_faults, c.replies_dropped, c.replies_unroutable
    );
    let _ = writeln!(w, "\n  retries by site (wait_or_die::stats)");
    let _ = writeln!(
        w,
        "    {:<24} {:>7} {:>8} {:>8} {:>9} {:>6} {:>9}",
        "site", "calls", "attempts", "retries", "recovered", "died", "waited"
    );
    let mut sites: Vec<_> = stats::sites().map(|s| s.snapshot()).collect();
    sites.sort_by_key(|s| s.name);
    for s in sites.iter().filter(|s| s.calls > 0) {
        let _ = writeln!(
            w,
            "    {:<24} {:>7} {:>8} {:>8} {:>9} {:>6} {:>9}",
            s.name,
            s.calls,
            s.attempts,
            s.retries,
            s.recovered,
            s.died(),
            millis(s.waited)
        );
    }
    for (req_id, why) in audit.lost.iter().take(10) {
        let _ = writeln!(w, "  LOST {req_id}: {why}");
    }
    for req_id in audit.duplicated.iter().take(10) {
        let _ = writeln!(w, "  DUPLICATED {req_id}");
    }
    let verdict = if audit.is_clean() {
        "OK: every order answered once, none lost, none duplicated"
    } else {
        "FAILED: orders lost or duplicated"
    };
    let _ = writeln!(w, "\n  {verdict}");
    out
}
