//! Modifications and cancels, against the trade server's log of applied changes: each
//! acknowledged `ORDER_MODIFY` applied once and the last one's values in force, each
//! acknowledged `ORDER_CANCEL` a cancelled order removed once, and nothing applied for a
//! request answered "not executed".

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use super::{count_done, count_failure, lots, Answered, Audit};
use crate::demo::IntentKind;
use crate::protocol::{Action, ModifySpec};
use crate::remote::AuditView;
use crate::terminal::{Modification, ModificationKind, OrderState};

/// Checks every answered modification against the changes applied to its ticket.
pub(super) fn check_modifications(audit: &mut Audit, answered: &[Answered<'_>], books: &AuditView) {
    let mut applied: BTreeMap<u64, Vec<&Modification>> = BTreeMap::new();
    for change in &books.modifications {
        if change.kind != ModificationKind::Remove {
            applied.entry(change.ticket).or_default().push(change);
        }
    }
    let mut acknowledged: BTreeMap<u64, Vec<(Uuid, &ModifySpec)>> = BTreeMap::new();
    for answer in answered {
        let Action::OrderModify(spec) = answer.action else {
            continue;
        };
        if answer.result().is_some() {
            let acks = acknowledged.entry(spec.ticket()).or_default();
            acks.push((answer.req_id, spec));
        } else {
            count_failure(audit, IntentKind::Modify, answer.reply);
        }
    }
    for (ticket, changes) in &applied {
        let told = acknowledged.get(ticket).map_or(0, Vec::len);
        if changes.len() > told {
            let why = format!(
                "{ticket} modified {} times, {told} acknowledged",
                changes.len()
            );
            audit.duplicated.push(why);
        }
    }
    for (ticket, acks) in acknowledged {
        let last_applied = applied.get(&ticket).and_then(|changes| changes.last());
        let (_, last_told) = acks.last().expect("at least one");
        let in_force = last_applied.is_some_and(|change| sets(change, last_told));
        for (req_id, _) in acks {
            if in_force {
                count_done(audit, IntentKind::Modify);
            } else {
                let why = format!("modification of {ticket} acknowledged, not in force");
                audit.lose(req_id, why);
            }
        }
    }
}

/// Whether `change` set the values `spec` asked for.
fn sets(change: &Modification, spec: &ModifySpec) -> bool {
    let same = |a: f64, b: f64| lots(a) == lots(b);
    match spec {
        ModifySpec::Position { sl, tp, .. } => {
            change.kind == ModificationKind::Sltp && same(change.sl, *sl) && same(change.tp, *tp)
        }
        ModifySpec::Order { price, sl, tp, .. } => {
            change.kind == ModificationKind::Modify
                && same(change.price, *price)
                && same(change.sl, *sl)
                && same(change.tp, *tp)
        }
    }
}

/// Checks every answered cancel against the order's history and the removals applied.
pub(super) fn check_cancels(audit: &mut Audit, answered: &[Answered<'_>], books: &AuditView) {
    let mut removed: HashMap<u64, usize> = HashMap::new();
    for change in &books.modifications {
        if change.kind == ModificationKind::Remove {
            *removed.entry(change.ticket).or_default() += 1;
        }
    }
    let state: HashMap<u64, OrderState> = books
        .history_orders
        .iter()
        .map(|o| (o.ticket, o.state))
        .collect();
    let mut told: HashMap<u64, usize> = HashMap::new();
    for answer in answered {
        let Action::OrderCancel(cancel) = answer.action else {
            continue;
        };
        let order = cancel.order;
        let expected = match (answer.result(), answer.reply.error_code()) {
            (Some(_), _) => Some(OrderState::Canceled),
            (None, Some("order_filled")) => Some(OrderState::Filled),
            (None, Some("order_expired")) => Some(OrderState::Expired),
            (None, _) => None,
        };
        if expected.is_some_and(|expected| state.get(&order) != Some(&expected)) {
            let found = state.get(&order);
            let why = format!("told {expected:?} for order {order}, the history has {found:?}");
            audit.lose(answer.req_id, why);
            continue;
        }
        if answer.result().is_some() {
            *told.entry(order).or_default() += 1;
            count_done(audit, IntentKind::Cancel);
        } else {
            count_failure(audit, IntentKind::Cancel, answer.reply);
        }
    }
    for (order, times) in removed {
        let acknowledged = told.get(&order).copied().unwrap_or(0);
        if times > 1 || times > acknowledged {
            let why = format!("order {order} removed {times} times, {acknowledged} acknowledged");
            audit.duplicated.push(why);
        }
    }
    for (order, _) in told.into_iter().filter(|(_, n)| *n > 1) {
        audit
            .duplicated
            .push(format!("order {order} cancelled by two requests"));
    }
}
