//! The demo's closing report: outcomes, duplicates prevented, latency and retries by site.

use std::fmt::Write as _;
use std::time::Duration;

use super::audit::Audit;
use super::IntentKind;
use crate::gateway::CounterSnapshot;
use crate::site_table::{self, millis, wrap, NOTE_WIDTH};

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
    /// What the retry configuration file (`WAIT_OR_DIE_CONFIG`) put in force, if one is named.
    pub config: Option<String>,
    /// The retry advice, one text per site.
    pub advice: Vec<String>,
    /// Where the advice was written as a configuration file, if asked.
    pub advice_file: Option<std::path::PathBuf>,
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

/// What the two kinds of unsuccessful order mean.
const REFUSED_AND_GAVE_UP: &str = "refused: the trade server or the gateway answered no, \
retryable: false; gave up: retryable: true, a resend of the same req_id would try again";
/// What a skipped lifecycle step is.
const SKIPPED: &str = "lifecycles: open a position, set its SL/TP, close part of it, close the \
rest; or place a pending order, move its price, cancel it. A step is skipped when the one before \
it got no successful answer.";
/// What a seeded run repeats and what it does not, printed with every report.
const WHAT_VARIES: &str = "The seed fixes the orders, their req_ids and each order's terminal \
faults, so the orders' outcome counts repeat run after run. What varies from run to run: wall time and \
latencies (thread scheduling, retry jitter), which replies the socket drops (drawn in arrival \
order), how often a client resends while its order is still executing, and so the duplicates \
prevented by the journal and the in-flight table, the prices filled (the market ticks in \
arrival order), and so how the lifecycles' later steps fare: a close, modification or cancel \
looks the terminal up first, and those lookups' faults and timing vary.";

/// The report as text.
pub fn render(audit: &Audit, facts: &RunFacts) -> String {
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
    if let Some(config) = &facts.config {
        let _ = writeln!(w, "  retry configuration: {config}\n");
    }
    outcomes(w, audit);
    delivery(w, audit, facts);
    by_kind(w, audit);
    retries_by_site(w);
    advice_by_site(w, facts);
    for line in wrap(WHAT_VARIES, NOTE_WIDTH) {
        let _ = writeln!(w, "  {line}");
    }
    for (req_id, why) in audit.lost.iter().take(10) {
        let _ = writeln!(w, "  LOST {req_id}: {why}");
    }
    for what in audit.duplicated.iter().take(10) {
        let _ = writeln!(w, "  DUPLICATED {what}");
    }
    let verdict = if audit.is_clean() {
        "OK: every request answered once, no intent lost, none duplicated"
    } else {
        "FAILED: intents lost or duplicated"
    };
    let _ = writeln!(w, "\n  {verdict}");
    out
}

/// What became of the orders, by the answer each client got.
fn outcomes(w: &mut String, audit: &Audit) {
    let _ = writeln!(w, "  orders sent                  {:>6}", audit.sent);
    let _ = writeln!(w, "    filled                     {:>6}", audit.filled);
    let _ = writeln!(
        w,
        "    partially filled           {:>6}   (IOC: the rest cancelled, never resent)",
        audit.partial
    );
    let _ = writeln!(w, "    placed (pending)           {:>6}", audit.placed);
    for (what, counts) in [
        ("refused, final", &audit.refused),
        ("gave up, nothing executed", &audit.gave_up),
    ] {
        let line = format!(
            "    {what:<26} {:>6}   {}",
            total(counts),
            breakdown(counts)
        );
        let _ = writeln!(w, "{}", line.trim_end());
    }
    let _ = writeln!(w, "    lost                       {:>6}", audit.lost.len());
    note(w, REFUSED_AND_GAVE_UP);
}

/// Every kind of intent, each checked against the books: the lifecycles' modifications,
/// closes and cancels next to the opens.
fn by_kind(w: &mut String, audit: &Audit) {
    let _ = writeln!(
        w,
        "\n  by kind of intent            sent    done  refused  gave up  skipped  (audited against the books)"
    );
    for kind in IntentKind::ALL {
        let c = audit.kind(kind);
        let _ = writeln!(
            w,
            "    {:<26} {:>6}  {:>6}  {:>7}  {:>7}  {:>7}",
            kind.action_name(),
            c.sent,
            c.done,
            total(&c.refused),
            total(&c.gave_up),
            c.skipped
        );
    }
    note(w, SKIPPED);
}

/// Whether each order executed once, and what it took.
fn delivery(w: &mut String, audit: &Audit, facts: &RunFacts) {
    let c = &facts.counters;
    let _ = writeln!(
        w,
        "  duplicated                   {:>6}   (an order filled twice, a position closed twice, a change applied twice)",
        audit.duplicated.len()
    );
    let _ = writeln!(
        w,
        "  duplicates prevented         {:>6}   replayed from journal {}, joined in flight {}, found executed by reconciliation {}",
        c.duplicates_prevented(),
        c.replayed_from_journal,
        c.joined_in_flight,
        c.reconciled_found
    );
    let _ = writeln!(
        w,
        "  fills per order req_id       max {}",
        audit.max_fills_per_req_id,
    );
    let _ = writeln!(w, "  opened but nobody ordered    {:>6}", audit.unexplained);
    let _ = writeln!(
        w,
        "  latency                      p50 {}, p99 {}, max {}",
        millis(audit.latency(0.5)),
        millis(audit.latency(0.99)),
        millis(audit.latency(1.0))
    );
    let rate = audit.order_success_rate().unwrap_or(0.0) * 100.0;
    let _ = writeln!(
        w,
        "  order success rate           {rate:>5.1} %  (orders filled, partially filled or placed)"
    );
    let _ = writeln!(
        w,
        "  requests that gave up        {:>6}   latency p50 {}, p99 {}, max {}",
        audit.gave_up_latencies.len(),
        millis(audit.gave_up_latency(0.5)),
        millis(audit.gave_up_latency(0.99)),
        millis(audit.gave_up_latency(1.0))
    );
    let _ = writeln!(
        w,
        "  faults injected              terminal {}, replies dropped {}",
        facts.terminal_faults, c.replies_dropped
    );
    let _ = writeln!(
        w,
        "  replies not delivered        {} to clients that had reconnected (answered again on their resend), {} to clients not reading",
        c.replies_unroutable, c.replies_peer_full
    );
}

/// The engine's counters of every retried call site.
fn retries_by_site(w: &mut String) {
    let _ = writeln!(w, "\n{}", site_table::render(&site_table::site_rows()));
}

/// What the engine advises for each site from this run's recoveries and deaths.
fn advice_by_site(w: &mut String, facts: &RunFacts) {
    let _ = writeln!(w, "  retry advice by site (wait_or_die::advice)");
    for line in facts.advice.iter().flat_map(|a| a.lines()) {
        let _ = writeln!(w, "    {line}");
    }
    if let Some(path) = &facts.advice_file {
        let _ = writeln!(
            w,
            "    written to {}: install it as WAIT_OR_DIE_CONFIG for the next run",
            path.display()
        );
    }
    let _ = writeln!(w);
}

/// A note under a table: wrapped, indented, in parentheses.
fn note(w: &mut String, text: &str) {
    for line in wrap(&format!("({text})"), NOTE_WIDTH) {
        let _ = writeln!(w, "     {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let lines = wrap(WHAT_VARIES, 40);
        assert!(lines.iter().all(|l| l.len() <= 40), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            WHAT_VARIES.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
}
