//! Checking the demo's outcome against the terminal's books: every order answered, and every
//! answer true to what the trade server actually did.
//!
//! The books are read directly (the auditor's view, fault-free), not through the gateway, so a
//! gateway bug cannot hide itself.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::DemoOrder;
use crate::execution::order_comment;
use crate::protocol::{OrderSpec, Reply};
use crate::terminal::{Deal, Order};
use crate::transport::OrderClient;

/// What one client saw for one order.
#[derive(Debug, Clone)]
pub struct ClientRecord {
    /// The order's id.
    pub req_id: Uuid,
    /// The order.
    pub order: OrderSpec,
    /// The final reply, or why there was none.
    pub reply: Result<Reply, String>,
    /// From first send to final reply, resends included.
    pub latency: Duration,
}

impl ClientRecord {
    /// Sends `order` under its req_id through `client` and records what came back, and when.
    pub fn send(client: &mut OrderClient, order: &DemoOrder) -> ClientRecord {
        let sent = Instant::now();
        let reply = client
            .send_order(order.req_id, &order.order)
            .map_err(|e| e.to_string());
        ClientRecord {
            req_id: order.req_id,
            order: order.order.clone(),
            reply,
            latency: sent.elapsed(),
        }
    }
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
    /// Refused with a final answer (`retryable: false`), by code: the trade server's or the
    /// gateway's refusal of the order itself.
    pub refused: BTreeMap<String, usize>,
    /// Given up after every retry with nothing executed (`retryable: true`: a resend of the same
    /// `req_id` would try again), by code.
    pub gave_up: BTreeMap<String, usize>,
    /// Orders whose client has no true final answer: no reply, or a reply the books contradict.
    pub lost: Vec<(Uuid, String)>,
    /// Orders with more than one deal or pending order on the books.
    pub duplicated: Vec<Uuid>,
    /// The most deals (or pending orders) any one `req_id` has.
    pub max_fills_per_req_id: usize,
    /// Deals on the books that no order of this run explains.
    pub unexplained: usize,
    /// Client latencies, sorted.
    pub latencies: Vec<Duration>,
}

impl Audit {
    /// Whether nothing was lost or duplicated.
    pub fn is_clean(&self) -> bool {
        self.lost.is_empty() && self.duplicated.is_empty() && self.unexplained == 0
    }

    /// The latency at `quantile` (0.0 to 1.0).
    pub fn latency(&self, quantile: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((self.latencies.len() - 1) as f64 * quantile).round() as usize;
        self.latencies[rank]
    }
}

/// Compares what the clients were told with what the books hold.
pub fn audit(records: &[ClientRecord], deals: &[Deal], orders: &[Order]) -> Audit {
    let mut on_books: HashMap<&str, Vec<u64>> = HashMap::new();
    for deal in deals {
        on_books.entry(&deal.comment).or_default().push(deal.ticket);
    }
    let mut pending: HashMap<&str, Vec<u64>> = HashMap::new();
    for order in orders {
        pending
            .entry(&order.comment)
            .or_default()
            .push(order.ticket);
    }
    let mut audit = Audit {
        sent: records.len(),
        ..Audit::default()
    };
    let mut explained = 0;
    for record in records {
        let tag = order_comment(record.req_id);
        let deal_tickets = on_books.get(tag.as_str()).cloned().unwrap_or_default();
        let order_tickets = pending.get(tag.as_str()).cloned().unwrap_or_default();
        explained += deal_tickets.len();
        let fills = deal_tickets.len() + order_tickets.len();
        audit.max_fills_per_req_id = audit.max_fills_per_req_id.max(fills);
        if fills > 1 {
            audit.duplicated.push(record.req_id);
        }
        audit.latencies.push(record.latency);
        let mut lose = |why: String| audit.lost.push((record.req_id, why));
        let reply = match &record.reply {
            Ok(reply) => reply,
            Err(why) => {
                lose(format!("no final reply: {why}"));
                continue;
            }
        };
        if reply.req_id.as_ref().map(|id| id.uuid()) != Some(record.req_id) {
            lose(format!("reply for another req_id: {:?}", reply.req_id));
            continue;
        }
        match (&reply.result, &reply.error) {
            (Some(result), _) if reply.ok => {
                let ticket_of = |key: &str| result[key].as_u64().unwrap_or_default();
                match result["status"].as_str() {
                    Some(status @ ("filled" | "partial")) => {
                        if deal_tickets != [ticket_of("deal")] {
                            lose(format!(
                                "told deal {} but the books have {deal_tickets:?}",
                                ticket_of("deal")
                            ));
                        } else if status == "filled" {
                            audit.filled += 1;
                        } else {
                            audit.partial += 1;
                        }
                    }
                    Some("placed") => {
                        if order_tickets != [ticket_of("order")] {
                            lose(format!(
                                "told order {} but the book has {order_tickets:?}",
                                ticket_of("order")
                            ));
                        } else {
                            audit.placed += 1;
                        }
                    }
                    other => lose(format!("unknown status {other:?}")),
                }
            }
            (_, Some(error)) => {
                if fills > 0 {
                    lose(format!(
                        "told `{}` but the order is on the books",
                        error.code
                    ));
                } else if error.code == "outcome_unknown" {
                    lose("outcome still unknown".into());
                } else if error.retryable {
                    *audit.gave_up.entry(error.code.clone()).or_default() += 1;
                } else {
                    *audit.refused.entry(error.code.clone()).or_default() += 1;
                }
            }
            _ => lose("reply with neither result nor error".into()),
        }
    }
    audit.unexplained = deals.len().saturating_sub(explained);
    audit.latencies.sort_unstable();
    audit
}
