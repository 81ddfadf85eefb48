//! Pending orders after placement: `TRADE_ACTION_MODIFY` changes their prices and expiry,
//! `TRADE_ACTION_REMOVE` deletes them, and their `type_time` decides when the server expires
//! them.

use super::ledger::{Batch, Ledger};
use super::modification::{Modification, ModificationKind};
use super::moment::{market_is_open, Moment};
use super::outcome::{storage, Outcome};
use super::rules::{
    order_is_frozen, pending_price_is_near, pending_price_is_valid, price_is_normalised,
    stops_are_normalised, stops_are_valid,
};
use super::{Order, OrderState, OrderTime, Retcode, TradeAction, TradeRequest, TradeResult};

const MS_PER_DAY: u64 = 86_400_000;

/// When an order with this lifetime expires, ms since the Unix epoch; `None` for never.
///
/// `ORDER_TIME_SPECIFIED` expires at `expiration`; `ORDER_TIME_SPECIFIED_DAY` at the end of
/// `expiration`'s UTC day; `ORDER_TIME_DAY` at the end of the UTC day it was placed.
pub(crate) fn expires_at_ms(type_time: OrderTime, expiration: u64, setup_ms: u64) -> Option<u64> {
    let end_of_day = |ms: u64| (ms / MS_PER_DAY + 1).saturating_mul(MS_PER_DAY);
    match type_time {
        OrderTime::Gtc => None,
        OrderTime::Day => Some(end_of_day(setup_ms)),
        OrderTime::Specified => Some(expiration.saturating_mul(1000)),
        OrderTime::SpecifiedDay => Some(end_of_day(expiration.saturating_mul(1000))),
    }
}

/// `TRADE_RETCODE_INVALID_EXPIRATION` unless an order placed now with this lifetime would live:
/// a `SPECIFIED` or `SPECIFIED_DAY` order needs an expiration still ahead.
pub(crate) fn expiration_is_valid(type_time: OrderTime, expiration: u64, now_ms: u64) -> bool {
    match type_time {
        OrderTime::Gtc | OrderTime::Day => true,
        OrderTime::Specified | OrderTime::SpecifiedDay => {
            expiration > 0 && expires_at_ms(type_time, expiration, now_ms) > Some(now_ms)
        }
    }
}

/// The order on the book a `MODIFY` or `REMOVE` names, or why there is none to change:
/// `INVALID_ORDER` for an unknown or finished order, `INVALID` for another symbol's,
/// `MARKET_CLOSED` outside the session.
fn target(ledger: &Ledger, m: &Moment, request: &TradeRequest) -> Result<Order, Retcode> {
    let order = ledger
        .placed_order(request.order)
        .cloned()
        .ok_or(Retcode::INVALID_ORDER)?;
    if order.symbol != m.rules.name {
        return Err(Retcode::INVALID);
    }
    market_is_open(m)?;
    Ok(order)
}

/// Checks a `MODIFY` of `order` and returns the order as changed.
fn modified(m: &Moment, request: &TradeRequest, order: &Order) -> Result<Order, Retcode> {
    if !price_is_normalised(m.rules, request.price) {
        return Err(Retcode::INVALID_PRICE);
    }
    let proposed = TradeRequest {
        action: TradeAction::Pending,
        symbol: order.symbol.clone(),
        volume: order.volume_initial,
        order_type: order.order_type,
        ..request.clone()
    };
    if !stops_are_normalised(m.rules, &proposed) {
        return Err(Retcode::INVALID_STOPS);
    }
    let unchanged = order.price_open == request.price
        && order.price_stoplimit == request.stoplimit
        && order.sl == request.sl
        && order.tp == request.tp
        && order.type_time == request.type_time
        && order.expiration == request.expiration;
    if unchanged {
        return Err(Retcode::NO_CHANGES);
    }
    if order_is_frozen(m.rules, order, m.quote) {
        return Err(Retcode::FROZEN);
    }
    if !pending_price_is_near(&proposed, m.quote)
        || !pending_price_is_valid(m.rules, &proposed, m.quote)
    {
        return Err(Retcode::INVALID_PRICE);
    }
    if !stops_are_valid(m.rules, &proposed, m.quote) {
        return Err(Retcode::INVALID_STOPS);
    }
    if !expiration_is_valid(request.type_time, request.expiration, m.now_ms) {
        return Err(Retcode::INVALID_EXPIRATION);
    }
    Ok(Order {
        price_open: request.price,
        price_stoplimit: request.stoplimit,
        sl: request.sl,
        tp: request.tp,
        type_time: request.type_time,
        expiration: request.expiration,
        ..order.clone()
    })
}

/// `TRADE_ACTION_MODIFY`: changes a pending order's price, StopLimit price, stops and expiry,
/// under the rules of placing it. The same values again are `NO_CHANGES` (10025); an order
/// within `SYMBOL_TRADE_FREEZE_LEVEL` of its trigger is `FROZEN` (10029).
pub(crate) fn modify(ledger: &mut Ledger, m: &Moment, request: &TradeRequest) -> Outcome {
    let changed = match target(ledger, m, request).and_then(|o| modified(m, request, &o)) {
        Ok(changed) => changed,
        Err(retcode) => return Ok(Err(retcode)),
    };
    let log = logged(ledger, &changed, ModificationKind::Modify, m.now_ms);
    let ticket = changed.ticket;
    let batch = Batch {
        orders: vec![changed],
        modifications: vec![log],
        ..Batch::default()
    };
    ledger.commit(batch).map_err(storage)?;
    Ok(Ok(done(m, ticket)))
}

/// `TRADE_ACTION_REMOVE`: deletes a pending order (state `ORDER_STATE_CANCELED`), unless it is
/// within `SYMBOL_TRADE_FREEZE_LEVEL` of its trigger (`FROZEN`).
pub(crate) fn remove(ledger: &mut Ledger, m: &Moment, request: &TradeRequest) -> Outcome {
    let order = match target(ledger, m, request) {
        Ok(order) => order,
        Err(retcode) => return Ok(Err(retcode)),
    };
    if order_is_frozen(m.rules, &order, m.quote) {
        return Ok(Err(Retcode::FROZEN));
    }
    let cancelled = Order {
        state: OrderState::Canceled,
        time_done_msc: m.now_ms,
        ..order
    };
    let log = logged(ledger, &cancelled, ModificationKind::Remove, m.now_ms);
    let ticket = cancelled.ticket;
    let batch = Batch {
        orders: vec![cancelled],
        modifications: vec![log],
        ..Batch::default()
    };
    ledger.commit(batch).map_err(storage)?;
    Ok(Ok(done(m, ticket)))
}

fn logged(ledger: &Ledger, order: &Order, kind: ModificationKind, now_ms: u64) -> Modification {
    Modification {
        seq: ledger.next_modification_seq(),
        ticket: order.ticket,
        kind,
        price: order.price_open,
        stoplimit: order.price_stoplimit,
        sl: order.sl,
        tp: order.tp,
        type_time: order.type_time,
        expiration: order.expiration,
        time_msc: now_ms,
    }
}

fn done(m: &Moment, ticket: u64) -> TradeResult {
    TradeResult {
        order: ticket,
        ..m.quote.refused(Retcode::DONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-01-01 12:00 UTC.
    const NOON_MS: u64 = 1_704_110_400_000;
    const MIDNIGHT_MS: u64 = 1_704_153_600_000;

    #[test]
    fn each_order_lifetime_expires_when_mql5_says() {
        assert_eq!(expires_at_ms(OrderTime::Gtc, 0, NOON_MS), None);
        assert_eq!(expires_at_ms(OrderTime::Day, 0, NOON_MS), Some(MIDNIGHT_MS));
        let at = NOON_MS / 1000 + 60;
        assert_eq!(
            expires_at_ms(OrderTime::Specified, at, NOON_MS),
            Some(at * 1000)
        );
        assert_eq!(
            expires_at_ms(OrderTime::SpecifiedDay, at, 0),
            Some(MIDNIGHT_MS)
        );
        assert!(expiration_is_valid(OrderTime::Specified, at, NOON_MS));
        assert!(!expiration_is_valid(OrderTime::Specified, at, at * 1000));
        assert!(!expiration_is_valid(OrderTime::Specified, 0, NOON_MS));
        assert!(expiration_is_valid(OrderTime::Gtc, 0, NOON_MS));
    }
}
