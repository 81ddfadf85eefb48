//! Deleting a pending order (`ORDER_CANCEL`), idempotent by the order's state.
//!
//! Every attempt looks first: an order still on the book (`orders_get`) is not cancelled yet,
//! so `TRADE_ACTION_REMOVE` is sent; one that left it is looked up in the history: `Canceled`
//! is done (reconciled), `Filled` and `Expired` are answered as such, not retried. An order in
//! neither place may be one the history does not show yet: the attempt waits out the history
//! lag before it answers `unknown_order`.

use serde::{Deserialize, Serialize};

use super::attempt::{Context, Found, Kind, Progress, Settled};
use super::ExecutionError;
use crate::protocol::{CancelSpec, ErrorCode};
use crate::terminal::{
    HistoryFilter, Order, OrderState, Retcode, Terminal, TradeAction, TradeRequest, TradeResult,
};

/// What an `ORDER_CANCEL` did: the `result` of its reply.
///
/// ```
/// use gateway_example::execution::Cancellation;
///
/// let json = r#"{"status": "cancelled", "retcode": 10009, "retcode_name": "TRADE_RETCODE_DONE",
///   "order": 7, "reconciled": false}"#;
/// assert_eq!(serde_json::from_str::<Cancellation>(json)?.order, 7);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cancellation {
    /// Always `cancelled`.
    pub status: String,
    /// The MQL5 retcode that settled it.
    pub retcode: Retcode,
    /// The retcode's MQL5 name.
    pub retcode_name: String,
    /// The order's ticket.
    pub order: u64,
    /// Whether the cancellation was found on the terminal rather than in its answer.
    pub reconciled: bool,
}

/// `ORDER_CANCEL` as a [`Kind`].
pub(crate) struct Cancel<'a>(pub(crate) &'a CancelSpec);

impl Cancel<'_> {
    fn done(&self, retcode: Retcode, reconciled: bool) -> Settled {
        let cancellation = Cancellation {
            status: "cancelled".into(),
            retcode,
            retcode_name: retcode.name().into(),
            order: self.0.order,
            reconciled,
        };
        Settled::new(&cancellation, reconciled, Vec::new())
    }
}

/// The pending order `ticket` if it is on the book now.
pub(crate) fn order_on_book(
    terminal: &dyn Terminal,
    ticket: u64,
) -> Result<Option<Order>, ExecutionError> {
    let filter = HistoryFilter {
        ticket: Some(ticket),
        ..HistoryFilter::default()
    };
    let orders = terminal
        .orders_get(&filter)
        .map_err(ExecutionError::Unavailable)?;
    Ok(orders.into_iter().next())
}

/// An order that left the book: `Some` when it was cancelled, an error when it was filled or
/// expired (or is unknown once the history lag has passed), `None` while the history may not
/// show it yet.
pub(crate) fn order_gone(
    terminal: &dyn Terminal,
    cx: &Context<'_>,
    progress: &Progress,
    ticket: u64,
) -> Result<Option<Order>, ExecutionError> {
    let filter = HistoryFilter {
        ticket: Some(ticket),
        ..HistoryFilter::default()
    };
    let history = terminal
        .history_orders_get(&filter)
        .map_err(ExecutionError::Unavailable)?;
    match history.into_iter().next() {
        Some(order) => match order.state {
            OrderState::Canceled | OrderState::Placed => Ok(Some(order)),
            OrderState::Filled => Err(ExecutionError::finally(
                ErrorCode::OrderFilled,
                format!("order {ticket} was filled"),
            )),
            OrderState::Expired => Err(ExecutionError::finally(
                ErrorCode::OrderExpired,
                format!("order {ticket} expired"),
            )),
        },
        None if cx.lag_passed(progress) => Err(ExecutionError::finally(
            ErrorCode::UnknownOrder,
            format!("no pending order {ticket}, on the book or in the history"),
        )),
        None => Ok(None),
    }
}

impl Kind for Cancel<'_> {
    const LOOKS_FIRST: bool = true;

    fn reconcile(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        progress: &Progress,
    ) -> Result<Found, ExecutionError> {
        if order_on_book(terminal, self.0.order)?.is_some() {
            return Ok(Found::NotExecuted);
        }
        Ok(match order_gone(terminal, cx, progress, self.0.order)? {
            Some(_) => Found::Executed(self.done(Retcode::DONE, true)),
            None => Found::NotYet,
        })
    }

    fn request(
        &self,
        terminal: &dyn Terminal,
        _cx: &Context<'_>,
    ) -> Result<TradeRequest, ExecutionError> {
        let order = order_on_book(terminal, self.0.order)?
            // It left the book since the look: the next attempt's look says how.
            .ok_or(ExecutionError::NotYet)?;
        Ok(TradeRequest {
            order: self.0.order,
            magic: order.magic,
            ..TradeRequest::blank(TradeAction::Remove, &order.symbol, order.order_type)
        })
    }

    fn settle(&self, _cx: &Context<'_>, _request: &TradeRequest, result: &TradeResult) -> Settled {
        self.done(result.retcode, false)
    }
}
