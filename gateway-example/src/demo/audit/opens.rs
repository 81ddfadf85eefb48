//! Opens: exactly one opening deal or pending order per acknowledged `ORDER_SEND`, found by the
//! tickets in its reply; none for an order answered "not executed"; none that no open explains.

use std::collections::{HashMap, HashSet};

use super::{count_done, count_failure, lots, Answered, Audit};
use crate::demo::IntentKind;
use crate::execution::order_comment;
use crate::protocol::Action;
use crate::remote::AuditView;
use crate::terminal::{Deal, DealEntry, Order};

/// The opening records on the books, by ticket and by comment.
struct Opening<'a> {
    /// Opening deals, by their order's ticket.
    deals_by_order: HashMap<u64, &'a Deal>,
    /// Pending orders, on the book or gone from it, by ticket.
    pending: HashMap<u64, &'a Order>,
    /// How many opening deals and pending orders carry each comment.
    by_comment: HashMap<&'a str, usize>,
}

impl<'a> Opening<'a> {
    fn of(books: &'a AuditView) -> Opening<'a> {
        let opening_deals = books.deals.iter().filter(|d| d.entry == DealEntry::In);
        let pending_orders = books
            .orders
            .iter()
            .chain(&books.history_orders)
            .filter(|o| !o.order_type.is_market());
        let mut by_comment: HashMap<&str, usize> = HashMap::new();
        for comment in opening_deals
            .clone()
            .map(|d| d.comment.as_str())
            .chain(pending_orders.clone().map(|o| o.comment.as_str()))
        {
            *by_comment.entry(comment).or_default() += 1;
        }
        Opening {
            deals_by_order: opening_deals.map(|d| (d.order, d)).collect(),
            pending: pending_orders.map(|o| (o.ticket, o)).collect(),
            by_comment,
        }
    }
}

/// Checks every answered open against the books, then counts the opening records no open
/// explains.
pub(super) fn check(audit: &mut Audit, answered: &[Answered<'_>], books: &AuditView) {
    let opening = Opening::of(books);
    let mut claimed = HashSet::new();
    for answer in answered {
        let Action::OrderSend(order) = answer.action else {
            continue;
        };
        // The gateway's tag, when the client brought no comment and the broker kept it.
        let tagged = order
            .comment
            .is_none()
            .then(|| order_comment(answer.req_id))
            .and_then(|tag| opening.by_comment.get(tag.as_str()).copied())
            .unwrap_or(0);
        audit.max_fills_per_req_id = audit.max_fills_per_req_id.max(tagged);
        if tagged > 1 {
            let why = format!("order {} has {tagged} opening records", answer.req_id);
            audit.duplicated.push(why);
        }
        let Some(result) = answer.result() else {
            if tagged > 0 {
                let code = answer.reply.error.as_ref().map_or("", |e| e.code.as_str());
                audit.lose(
                    answer.req_id,
                    format!("told `{code}` but it is on the books"),
                );
            } else {
                count_failure(audit, IntentKind::Open, answer.reply);
            }
            continue;
        };
        match settle(result, &opening, &mut claimed) {
            Ok(status) => {
                count_done(audit, IntentKind::Open);
                match status {
                    Status::Filled => audit.filled += 1,
                    Status::Partial => audit.partial += 1,
                    Status::Placed => audit.placed += 1,
                }
            }
            Err(why) => audit.lose(answer.req_id, why),
        }
    }
    let unexplained_deals = opening
        .deals_by_order
        .keys()
        .filter(|order| !claimed.contains(*order))
        .count();
    let unexplained_orders = opening
        .pending
        .keys()
        .filter(|ticket| !claimed.contains(*ticket))
        .count();
    audit.unexplained = unexplained_deals + unexplained_orders;
}

/// What an acknowledged open made.
enum Status {
    Filled,
    Partial,
    Placed,
}

/// Finds the record an acknowledged open names, and claims its order ticket (a pending order
/// that triggered made a deal with the same order ticket: both are explained by it).
fn settle(
    result: &serde_json::Value,
    opening: &Opening<'_>,
    claimed: &mut HashSet<u64>,
) -> Result<Status, String> {
    let ticket = |key: &str| result[key].as_u64().unwrap_or_default();
    let order = ticket("order");
    let status = match result["status"].as_str() {
        Some("filled") => Status::Filled,
        Some("partial") => Status::Partial,
        Some("placed") => Status::Placed,
        other => return Err(format!("unknown status {other:?}")),
    };
    if let Status::Placed = status {
        if !opening.pending.contains_key(&order) {
            return Err(format!("told order {order} placed but the books lack it"));
        }
    } else {
        let Some(deal) = opening.deals_by_order.get(&order) else {
            return Err(format!(
                "told order {order} filled but the books lack its deal"
            ));
        };
        let deal_ticket = ticket("deal");
        if deal_ticket != 0 && deal_ticket != deal.ticket {
            return Err(format!(
                "told deal {deal_ticket}, the books have {}",
                deal.ticket
            ));
        }
        let told = result["volume"].as_f64().unwrap_or_default();
        if lots(told) != lots(deal.volume) {
            return Err(format!("told {told} lots, the deal has {}", deal.volume));
        }
    }
    if !claimed.insert(order) {
        return Err(format!("order {order} is claimed by two requests"));
    }
    Ok(status)
}
