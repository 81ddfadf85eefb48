//! Closing all or part of a position (`POSITION_CLOSE`), and telling an ambiguous close from one
//! that never executed by the position's volume, which the terminal shows without lag.
//!
//! Before the close is journaled the gateway records the position's volume as seen (under the
//! position's key, so no other close of it runs meanwhile). An ambiguous close is then read from
//! `positions_get`: the volume dropped by the closed lots (or the position is gone, for a whole
//! close) means executed; unchanged means not. A position gone for another reason (stop loss,
//! take profit, stop out: a closing deal with that reason in the history) is answered
//! `position_closed`, not retried.

use serde::{Deserialize, Serialize};

use super::attempt::{same_volume, Context, Found, Kind, Progress, Settled};
use super::{order_comment, ExecutionError};
use crate::protocol::{CloseSpec, ErrorCode};
use crate::terminal::{
    Deal, DealEntry, DealReason, Filling, HistoryFilter, OrderType, Position, Retcode, Terminal,
    TradeAction, TradeRequest, TradeResult,
};

/// What a `POSITION_CLOSE` did: the `result` of its reply.
///
/// ```
/// use gateway_example::execution::Closure;
///
/// let json = r#"{"status": "partially_closed", "retcode": 10009, "retcode_name": "TRADE_RETCODE_DONE",
///   "position": 7, "deal": 9, "order": 8, "volume": 0.01, "remaining_volume": 0.01,
///   "price": 1.1, "reconciled": false}"#;
/// let closure: Closure = serde_json::from_str(json)?;
/// assert_eq!(closure.remaining_volume, 0.01);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closure {
    /// `closed` (nothing left) or `partially_closed`.
    pub status: String,
    /// The MQL5 retcode that settled it.
    pub retcode: Retcode,
    /// The retcode's MQL5 name.
    pub retcode_name: String,
    /// The position's ticket.
    pub position: u64,
    /// The closing deal's ticket, 0 when reconciled before the history showed it.
    pub deal: u64,
    /// The closing order's ticket, 0 when reconciled before the history showed it.
    pub order: u64,
    /// Lots closed.
    pub volume: f64,
    /// Lots still open.
    pub remaining_volume: f64,
    /// Closing price, 0 when reconciled before the history showed it.
    pub price: f64,
    /// Whether the outcome was found on the terminal rather than in its answer.
    pub reconciled: bool,
}

/// `POSITION_CLOSE` as a [`Kind`].
pub(crate) struct Close<'a>(pub(crate) &'a CloseSpec);

impl Close<'_> {
    fn seen(&self, cx: &Context<'_>, current: f64) -> f64 {
        cx.seen_volume.unwrap_or(current)
    }

    /// Lots this close takes off.
    fn volume(&self, seen: f64) -> f64 {
        self.0.volume.unwrap_or(seen)
    }

    fn closure(
        &self,
        volume: f64,
        remaining: f64,
        deal: Option<&Deal>,
        reconciled: bool,
    ) -> Closure {
        let retcode = Retcode::DONE;
        Closure {
            status: status(remaining).into(),
            retcode,
            retcode_name: retcode.name().into(),
            position: self.0.position,
            deal: deal.map_or(0, |d| d.ticket),
            order: deal.map_or(0, |d| d.order),
            volume,
            remaining_volume: remaining,
            price: deal.map_or(0.0, |d| d.price),
            reconciled,
        }
    }

    fn position(&self, terminal: &dyn Terminal) -> Result<Option<Position>, ExecutionError> {
        let filter = HistoryFilter {
            ticket: Some(self.0.position),
            ..HistoryFilter::default()
        };
        let positions = terminal
            .positions_get(&filter)
            .map_err(ExecutionError::Unavailable)?;
        Ok(positions.into_iter().next())
    }

    /// The position is gone: closed by this request, or by something else.
    fn gone(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        progress: &Progress,
    ) -> Result<Found, ExecutionError> {
        let filter = HistoryFilter {
            position: Some(self.0.position),
            since_msc: Some(cx.since_msc()),
            ..HistoryFilter::default()
        };
        let deals = terminal
            .history_deals_get(&filter)
            .map_err(ExecutionError::Unavailable)?;
        let closing = deals.iter().filter(|d| d.entry == DealEntry::Out);
        if let Some(other) = closing
            .clone()
            .find(|d| matches!(d.reason, DealReason::Sl | DealReason::Tp | DealReason::So))
        {
            return Err(closed_by(self.0.position, other.reason));
        }
        let seen = cx.seen_volume.unwrap_or_default();
        let volume = self.volume(seen);
        if let Some(ours) = closing.clone().find(|d| same_volume(d.volume, volume)) {
            return Ok(executed(self.closure(volume, 0.0, Some(ours), true)));
        }
        if !cx.lag_passed(progress) {
            return Ok(Found::NotYet);
        }
        if self.0.volume.is_none_or(|v| same_volume(v, seen)) {
            return Ok(executed(self.closure(volume, 0.0, None, true)));
        }
        Err(ExecutionError::finally(
            ErrorCode::PositionClosed,
            format!("position {} was closed by something else", self.0.position),
        ))
    }
}

fn status(remaining: f64) -> &'static str {
    if remaining <= 1e-9 {
        "closed"
    } else {
        "partially_closed"
    }
}

fn executed(closure: Closure) -> Found {
    Found::Executed(Settled::new(&closure, closure.reconciled, Vec::new()))
}

fn closed_by(position: u64, reason: DealReason) -> ExecutionError {
    let reason = serde_json::to_value(reason).unwrap_or_default();
    ExecutionError::finally(
        ErrorCode::PositionClosed,
        format!(
            "position {position} was already closed ({})",
            reason.as_str().unwrap_or("another reason")
        ),
    )
}

impl Kind for Close<'_> {
    const LOOKS_FIRST: bool = false;

    fn reconcile(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        progress: &Progress,
    ) -> Result<Found, ExecutionError> {
        let Some(position) = self.position(terminal)? else {
            return self.gone(terminal, cx, progress);
        };
        let seen = self.seen(cx, position.volume);
        let volume = self.volume(seen);
        if same_volume(position.volume, seen) {
            return Ok(Found::NotExecuted);
        }
        if same_volume(position.volume, seen - volume) {
            return Ok(executed(self.closure(volume, position.volume, None, true)));
        }
        Err(ExecutionError::finally(
            ErrorCode::PositionClosed,
            format!(
                "position {} changed outside this request: {} lots open, {seen} seen before",
                self.0.position, position.volume
            ),
        ))
    }

    fn request(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
    ) -> Result<TradeRequest, ExecutionError> {
        let Some(position) = self.position(terminal)? else {
            return Err(ExecutionError::finally(
                ErrorCode::PositionClosed,
                format!("position {} is no longer open", self.0.position),
            ));
        };
        let quote = terminal
            .symbol_info(&position.symbol)
            .map_err(ExecutionError::Unavailable)?
            .ok_or_else(|| ExecutionError::UnknownSymbol(position.symbol.clone()))?;
        let (order_type, price) = if position.position_type.is_buy() {
            (OrderType::Sell, quote.bid)
        } else {
            (OrderType::Buy, quote.ask)
        };
        let seen = self.seen(cx, position.volume);
        Ok(TradeRequest {
            volume: self.volume(seen),
            price,
            deviation: self.0.deviation,
            type_filling: self
                .0
                .type_filling
                .unwrap_or_else(|| Filling::preferred(&quote, order_type)),
            magic: position.magic,
            comment: self
                .0
                .comment
                .clone()
                .unwrap_or_else(|| order_comment(cx.req_id)),
            position: self.0.position,
            ..TradeRequest::blank(TradeAction::Deal, &position.symbol, order_type)
        })
    }

    fn settle(&self, cx: &Context<'_>, request: &TradeRequest, result: &TradeResult) -> Settled {
        let seen = cx.seen_volume.unwrap_or(request.volume);
        let remaining = (seen - result.volume).max(0.0);
        let closure = Closure {
            status: status(remaining).into(),
            retcode: result.retcode,
            retcode_name: result.retcode.name().into(),
            position: self.0.position,
            deal: result.deal,
            order: result.order,
            volume: result.volume,
            remaining_volume: remaining,
            price: result.price,
            reconciled: false,
        };
        Settled::new(&closure, false, Vec::new())
    }
}
