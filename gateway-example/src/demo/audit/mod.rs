//! Checking the demo's outcome against the terminal's books: every request answered, and every
//! answer true to what the trade server actually did, for every kind of intent.
//!
//! The books are read directly (the auditor's view, fault-free and without history lag), not
//! through the gateway, so a gateway bug cannot hide itself. Records are matched by the tickets
//! in the replies, never by comment: a broker may rewrite comments.

mod changes;
mod closes;
mod opens;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::IntentKind;
use crate::protocol::{Action, Reply};
use crate::remote::AuditView;

/// What one client saw for one request.
#[derive(Debug, Clone)]
pub struct ClientRecord {
    /// The request's id.
    pub req_id: Uuid,
    /// What kind of intent it is.
    pub kind: IntentKind,
    /// The request sent; `None` for a lifecycle step skipped because the one before it failed.
    pub action: Option<Action>,
    /// The final reply, or why there was none.
    pub reply: Result<Reply, String>,
    /// When it was first sent.
    pub sent: Instant,
    /// From first send to final reply, resends included.
    pub latency: Duration,
}

/// What became of the requests of one kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct KindCounts {
    /// Requests sent.
    pub sent: usize,
    /// Answered with success, and true to the books.
    pub done: usize,
    /// Refused with a final answer (`retryable: false`), by code.
    pub refused: BTreeMap<String, usize>,
    /// Given up with nothing executed (`retryable: true`), by code.
    pub gave_up: BTreeMap<String, usize>,
    /// Lifecycle steps not sent because the step before failed.
    pub skipped: usize,
}

/// The outcome of a run, checked against the books.
#[derive(Debug, Default, Clone)]
pub struct Audit {
    /// Orders sent.
    pub sent: usize,
    /// Filled in full.
    pub filled: usize,
    /// Filled in part (IOC: the rest cancelled).
    pub partial: usize,
    /// Placed as pending orders.
    pub placed: usize,
    /// Orders refused with a final answer (`retryable: false`), by code: the trade server's or
    /// the gateway's refusal of the order itself.
    pub refused: BTreeMap<String, usize>,
    /// Orders given up after every retry with nothing executed (`retryable: true`: a resend of
    /// the same `req_id` would try again), by code.
    pub gave_up: BTreeMap<String, usize>,
    /// Every kind of intent, opens included.
    pub kinds: BTreeMap<IntentKind, KindCounts>,
    /// Requests whose client has no true final answer: no reply, or a reply the books
    /// contradict (a close, modification or cancel acknowledged but not on the books).
    pub lost: Vec<(Uuid, String)>,
    /// Intents the books hold more often than they were acknowledged: an order with two deals,
    /// a position closed twice or more than it was opened, a modification applied twice.
    pub duplicated: Vec<String>,
    /// The most deals (or pending orders) any one open has, by its intact tag.
    pub max_fills_per_req_id: usize,
    /// Opening deals and pending orders on the books that no acknowledged open explains.
    pub unexplained: usize,
    /// Client latencies, sorted.
    pub latencies: Vec<Duration>,
    /// Latencies of the requests of every kind answered with a retryable error, sorted: the
    /// intents the gateway gave up on.
    pub gave_up_latencies: Vec<Duration>,
}

impl Audit {
    /// Whether nothing was lost or duplicated.
    pub fn is_clean(&self) -> bool {
        self.lost.is_empty() && self.duplicated.is_empty() && self.unexplained == 0
    }

    /// The latency at `quantile` (0.0 to 1.0).
    pub fn latency(&self, quantile: f64) -> Duration {
        at_quantile(&self.latencies, quantile)
    }

    /// The latency at `quantile` (0.0 to 1.0) of the requests the gateway gave up on.
    ///
    /// ```
    /// use std::time::Duration;
    /// let audit = gateway_example::demo::Audit {
    ///     gave_up_latencies: vec![Duration::from_millis(10), Duration::from_millis(30)],
    ///     ..Default::default()
    /// };
    /// assert_eq!(audit.gave_up_latency(0.99), Duration::from_millis(30));
    /// ```
    pub fn gave_up_latency(&self, quantile: f64) -> Duration {
        at_quantile(&self.gave_up_latencies, quantile)
    }

    /// The share of orders sent that were filled (in full or in part) or placed; `None` before
    /// any was sent.
    ///
    /// ```
    /// let audit = gateway_example::demo::Audit { sent: 4, filled: 2, placed: 1, ..Default::default() };
    /// assert_eq!(audit.order_success_rate(), Some(0.75));
    /// ```
    pub fn order_success_rate(&self) -> Option<f64> {
        let succeeded = self.filled + self.partial + self.placed;
        (self.sent > 0).then(|| succeeded as f64 / self.sent as f64)
    }

    /// The counts of one kind.
    pub fn kind(&self, kind: IntentKind) -> KindCounts {
        self.kinds.get(&kind).cloned().unwrap_or_default()
    }

    fn lose(&mut self, req_id: Uuid, why: String) {
        self.lost.push((req_id, why));
    }
}

/// The value at `quantile` (0.0 to 1.0) of `sorted`; zero when it is empty.
fn at_quantile(sorted: &[Duration], quantile: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * quantile.clamp(0.0, 1.0)).round() as usize;
    sorted[rank]
}

/// A record with a reply for its own `req_id`, ready to be checked against the books.
struct Answered<'a> {
    req_id: Uuid,
    action: &'a Action,
    reply: &'a Reply,
}

impl Answered<'_> {
    /// The successful result, if the reply is one.
    fn result(&self) -> Option<&serde_json::Value> {
        self.reply.result.as_ref().filter(|_| self.reply.ok)
    }
}

/// Compares what the clients were told with what the books hold.
pub fn audit(records: &[ClientRecord], books: &AuditView) -> Audit {
    let mut audit = Audit::default();
    let mut answered = Vec::with_capacity(records.len());
    for record in records {
        let counts = audit.kinds.entry(record.kind).or_default();
        let Some(action) = &record.action else {
            counts.skipped += 1;
            continue;
        };
        counts.sent += 1;
        if record.kind == IntentKind::Open {
            audit.sent += 1;
        }
        audit.latencies.push(record.latency);
        match &record.reply {
            Err(why) => audit.lose(record.req_id, format!("no final reply: {why}")),
            Ok(reply) if reply.req_id.as_ref().map(|id| id.uuid()) != Some(record.req_id) => {
                let why = format!("reply for another req_id: {:?}", reply.req_id);
                audit.lose(record.req_id, why);
            }
            Ok(reply) if reply.error_code() == Some("outcome_unknown") => {
                audit.lose(record.req_id, "outcome still unknown".into());
            }
            Ok(reply)
                if !reply.ok && reply.error.is_none() || reply.ok && reply.result.is_none() =>
            {
                audit.lose(record.req_id, "reply with neither result nor error".into());
            }
            Ok(reply) => {
                let gave_up = reply.error.as_ref().is_some_and(|e| e.retryable);
                if gave_up {
                    audit.gave_up_latencies.push(record.latency);
                }
                answered.push(Answered {
                    req_id: record.req_id,
                    action,
                    reply,
                })
            }
        }
    }
    opens::check(&mut audit, &answered, books);
    closes::check(&mut audit, &answered, books);
    changes::check_modifications(&mut audit, &answered, books);
    changes::check_cancels(&mut audit, &answered, books);
    audit.latencies.sort_unstable();
    audit.gave_up_latencies.sort_unstable();
    audit
}

/// Counts a failed answer under its kind (and, for opens, in the order totals).
fn count_failure(audit: &mut Audit, kind: IntentKind, reply: &Reply) {
    let Some(error) = &reply.error else { return };
    let counts = audit.kinds.entry(kind).or_default();
    let (by_kind, orders) = if error.retryable {
        (&mut counts.gave_up, &mut audit.gave_up)
    } else {
        (&mut counts.refused, &mut audit.refused)
    };
    *by_kind.entry(error.code.clone()).or_default() += 1;
    if kind == IntentKind::Open {
        *orders.entry(error.code.clone()).or_default() += 1;
    }
}

/// Counts a successful answer the books bear out.
fn count_done(audit: &mut Audit, kind: IntentKind) {
    audit.kinds.entry(kind).or_default().done += 1;
}

/// A volume in hundred-millionths of a lot, so that volumes compare and add exactly.
fn lots(volume: f64) -> i64 {
    (volume * 1e8).round() as i64
}
