//! Changing a position's SL/TP or a pending order's price, stops and expiry (`ORDER_MODIFY`),
//! idempotent by its target state.
//!
//! Every attempt looks first: a position or order that already has the target values is done
//! (reconciled), whoever set them; otherwise the change is sent. The terminal's `NO_CHANGES`
//! (10025) to a resend counts as done too. A position or order that is gone is answered for
//! good: `position_closed`, `order_filled`, `order_expired` or `unknown_order`.

use serde::{Deserialize, Serialize};

use super::attempt::{same_price, Context, Found, Kind, Progress, Settled};
use super::cancel::{order_gone, order_on_book};
use super::ExecutionError;
use crate::protocol::{ErrorCode, ModifySpec};
use crate::terminal::{
    HistoryFilter, Order, Position, Retcode, Terminal, TradeAction, TradeRequest, TradeResult,
};

/// What an `ORDER_MODIFY` did: the `result` of its reply, the target state with the verdict.
///
/// ```
/// use gateway_example::execution::Modification;
///
/// let json = r#"{"status": "modified", "retcode": 10009, "retcode_name": "TRADE_RETCODE_DONE",
///   "reconciled": true, "position": 7, "sl": 1.05, "tp": 1.2}"#;
/// let done: Modification = serde_json::from_str(json)?;
/// assert!(done.reconciled);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Modification {
    /// Always `modified`.
    pub status: String,
    /// The MQL5 retcode that settled it (`DONE`, or `NO_CHANGES` for a change already made).
    pub retcode: Retcode,
    /// The retcode's MQL5 name.
    pub retcode_name: String,
    /// Whether the target state was found on the terminal rather than in its answer.
    pub reconciled: bool,
    /// The target, as asked.
    #[serde(flatten)]
    pub target: ModifySpec,
}

/// `ORDER_MODIFY` as a [`Kind`].
pub(crate) struct Modify<'a>(pub(crate) &'a ModifySpec);

impl Modify<'_> {
    fn done(&self, retcode: Retcode, reconciled: bool) -> Settled {
        let modification = Modification {
            status: "modified".into(),
            retcode,
            retcode_name: retcode.name().into(),
            reconciled,
            target: self.0.clone(),
        };
        Settled::new(&modification, reconciled, Vec::new())
    }

    fn position(&self, terminal: &dyn Terminal, ticket: u64) -> Result<Position, ExecutionError> {
        let filter = HistoryFilter {
            ticket: Some(ticket),
            ..HistoryFilter::default()
        };
        let positions = terminal
            .positions_get(&filter)
            .map_err(ExecutionError::Unavailable)?;
        positions.into_iter().next().ok_or_else(|| {
            ExecutionError::finally(
                ErrorCode::PositionClosed,
                format!("position {ticket} is no longer open"),
            )
        })
    }

    fn order(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        progress: &Progress,
        ticket: u64,
    ) -> Result<Option<Order>, ExecutionError> {
        match order_on_book(terminal, ticket)? {
            Some(order) => Ok(Some(order)),
            None => match order_gone(terminal, cx, progress, ticket)? {
                // A cancelled order cannot be modified any more.
                Some(_) => Err(ExecutionError::finally(
                    ErrorCode::UnknownOrder,
                    format!("order {ticket} was cancelled"),
                )),
                None => Ok(None),
            },
        }
    }
}

impl Kind for Modify<'_> {
    const LOOKS_FIRST: bool = true;

    fn reconcile(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        progress: &Progress,
    ) -> Result<Found, ExecutionError> {
        let at_target = match *self.0 {
            ModifySpec::Position { position, sl, tp } => {
                let p = self.position(terminal, position)?;
                same_price(p.sl, sl) && same_price(p.tp, tp)
            }
            ModifySpec::Order {
                order,
                price,
                stoplimit,
                sl,
                tp,
                type_time,
                expiration,
            } => {
                let Some(o) = self.order(terminal, cx, progress, order)? else {
                    return Ok(Found::NotYet);
                };
                same_price(o.price_open, price)
                    && same_price(o.price_stoplimit, stoplimit)
                    && same_price(o.sl, sl)
                    && same_price(o.tp, tp)
                    && o.type_time == type_time
                    && o.expiration == expiration
            }
        };
        Ok(if at_target {
            Found::Executed(self.done(Retcode::DONE, true))
        } else {
            Found::NotExecuted
        })
    }

    fn request(
        &self,
        terminal: &dyn Terminal,
        _cx: &Context<'_>,
    ) -> Result<TradeRequest, ExecutionError> {
        match *self.0 {
            ModifySpec::Position { position, sl, tp } => {
                let p = self.position(terminal, position)?;
                Ok(TradeRequest {
                    sl,
                    tp,
                    volume: p.volume,
                    magic: p.magic,
                    position,
                    ..TradeRequest::blank(TradeAction::Sltp, &p.symbol, p.position_type)
                })
            }
            ModifySpec::Order {
                order,
                price,
                stoplimit,
                sl,
                tp,
                type_time,
                expiration,
            } => {
                let o = order_on_book(terminal, order)?
                    // It left the book since the look: the next attempt's look says how.
                    .ok_or(ExecutionError::NotYet)?;
                Ok(TradeRequest {
                    volume: o.volume_initial,
                    price,
                    stoplimit,
                    sl,
                    tp,
                    type_time,
                    expiration,
                    magic: o.magic,
                    order,
                    ..TradeRequest::blank(TradeAction::Modify, &o.symbol, o.order_type)
                })
            }
        }
    }

    fn settle(&self, _cx: &Context<'_>, _request: &TradeRequest, result: &TradeResult) -> Settled {
        self.done(result.retcode, false)
    }

    fn refusal_means_done(&self, retcode: Retcode) -> Option<Settled> {
        (retcode == Retcode::NO_CHANGES).then(|| self.done(retcode, true))
    }
}
