//! Finding out whether an order whose answer was lost did execute, by its tag in the terminal's
//! history, before anything is sent again.

use wait_or_die::{wait_or_die, Policy};

use super::{order_filter, Execution, ExecutionError, OrderIntent};
use crate::terminal::{Terminal, TerminalError};

/// The order's deal (or pending order) on the terminal, if it executed.
pub fn find_executed(
    terminal: &dyn Terminal,
    intent: &OrderIntent,
) -> Result<Option<Execution>, TerminalError> {
    let filter = order_filter(intent.req_id);
    if let Some(deal) = terminal.history_deals_get(&filter)?.first() {
        return Ok(Some(Execution::from_deal(&intent.order, deal)));
    }
    if !intent.order.order_type.is_market() {
        if let Some(order) = terminal.orders_get(&filter)?.first() {
            return Ok(Some(Execution::from_order(&intent.order, order)));
        }
    }
    Ok(None)
}

/// [`find_executed`], retried while the terminal cannot be reached: used by a restarted gateway
/// on every pending intent before it serves anyone.
#[wait_or_die(policy = *policy, name = "gateway.reconcile")]
pub fn reconcile_with_retries(
    terminal: &dyn Terminal,
    intent: &OrderIntent,
    policy: &Policy,
) -> Result<Option<Execution>, ExecutionError> {
    find_executed(terminal, intent).map_err(ExecutionError::Unavailable)
}
