//! How the simulated trade server deals one `order_send`, in three steps: check the order against
//! the market and the symbol's rules, book it, then answer (or, with an injected fault, lose or
//! garble the answer of an order already booked).
//!
//! Faults of the link and the dealer strike before the server looks at the order, so nothing is
//! booked; the `ExecutedThen*` faults strike after booking, which is the case reconciliation
//! exists for.

use super::ledger::{Ledger, LedgerError};
use super::rules::{
    margin, pending_price_is_near, pending_price_is_valid, price_is_normalised,
    stops_are_normalised, stops_are_valid, FREE_MARGIN,
};
use super::symbol::{SymbolInfo, TradeMode};
use super::{
    Deal, DealEntry, DealReason, Fault, Filling, Order, OrderState, Retcode, RetcodeClass,
    TerminalError, TradeRequest, TradeResult, MAX_COMMENT_CHARS,
};
use crate::clock::unix_ms;

/// Slippage is measured in whole points: a price this far past the deviation still rounds to it.
const SLIPPAGE_ROUNDING_POINTS: f64 = 0.5;
/// A partial fill (IOC) executes this share of the volume, floored to the volume step.
const PARTIAL_FILL_SHARE: f64 = 0.5;

/// The market at the moment of the order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Quote {
    pub(super) bid: f64,
    pub(super) ask: f64,
}

impl Quote {
    /// The answer of an order that did not execute.
    pub(super) fn refused(self, retcode: Retcode) -> TradeResult {
        TradeResult {
            retcode,
            deal: 0,
            order: 0,
            volume: 0.0,
            price: 0.0,
            bid: self.bid,
            ask: self.ask,
        }
    }
}

/// The retcode of a link or dealer fault, which refuses the order before the server sees it.
pub(super) fn refused_before_the_server(fault: Option<Fault>) -> Option<Retcode> {
    match fault? {
        Fault::Requote => Some(Retcode::REQUOTE),
        Fault::PriceChanged => Some(Retcode::PRICE_CHANGED),
        Fault::PriceOff => Some(Retcode::PRICE_OFF),
        Fault::TooManyRequests => Some(Retcode::TOO_MANY_REQUESTS),
        Fault::Locked => Some(Retcode::LOCKED),
        Fault::ConnectionLostBeforeSend => Some(Retcode::CONNECTION),
        _ => None,
    }
}

/// The server's checks: session, fill policy, volume grid, normalised prices, slippage or pending price,
/// stops, margin. The
/// execution price, or the retcode refusing the order.
pub(super) fn check(
    rules: &SymbolInfo,
    request: &TradeRequest,
    quote: Quote,
) -> Result<f64, Retcode> {
    if rules.trade_mode == TradeMode::Closed {
        return Err(Retcode::MARKET_CLOSED);
    }
    if !request.type_filling.is_allowed(rules, request.order_type) {
        return Err(Retcode::INVALID_FILL);
    }
    if !rules.volume_is_valid(request.volume) {
        return Err(Retcode::INVALID_VOLUME);
    }
    if !price_is_normalised(rules, request.price) {
        return Err(Retcode::INVALID_PRICE);
    }
    if !stops_are_normalised(rules, request) {
        return Err(Retcode::INVALID_STOPS);
    }
    let price = if request.order_type.is_market() {
        let market = if request.order_type.is_buy() {
            quote.ask
        } else {
            quote.bid
        };
        let slippage_points = (request.price - market).abs() / rules.point;
        if slippage_points > f64::from(request.deviation) + SLIPPAGE_ROUNDING_POINTS {
            return Err(Retcode::REQUOTE);
        }
        market
    } else {
        if !pending_price_is_near(request, quote) || !pending_price_is_valid(rules, request, quote)
        {
            return Err(Retcode::INVALID_PRICE);
        }
        request.price
    };
    if !stops_are_valid(rules, request, quote) {
        return Err(Retcode::INVALID_STOPS);
    }
    if margin(rules, request.volume, price) > FREE_MARGIN {
        return Err(Retcode::NO_MONEY);
    }
    Ok(price)
}

/// Books a checked order at `price`: a deal for a market order (part of the volume under a
/// partial-fill fault), a pending order otherwise. Committed to the ledger before it returns.
pub(super) fn book(
    ledger: &mut Ledger,
    rules: &SymbolInfo,
    request: &TradeRequest,
    price: f64,
    fault: Option<Fault>,
    quote: Quote,
) -> Result<TradeResult, TerminalError> {
    let comment: String = request.comment.chars().take(MAX_COMMENT_CHARS).collect();
    let now = unix_ms();
    let order_ticket = ledger.next_ticket();
    let storage = |e: LedgerError| TerminalError::Storage(e.to_string());
    if !request.order_type.is_market() {
        ledger
            .record_order(Order {
                ticket: order_ticket,
                time_setup_msc: now,
                time_done_msc: 0,
                symbol: rules.name.clone(),
                order_type: request.order_type,
                state: OrderState::Placed,
                volume_initial: request.volume,
                price_open: price,
                price_stoplimit: request.stoplimit,
                sl: request.sl,
                tp: request.tp,
                type_time: request.type_time,
                expiration: request.expiration,
                position_id: 0,
                magic: request.magic,
                comment,
            })
            .map_err(storage)?;
        return Ok(TradeResult {
            retcode: Retcode::PLACED,
            order: order_ticket,
            volume: request.volume,
            price,
            ..quote.refused(Retcode::PLACED)
        });
    }
    // Only IOC fills part of an order: FOK fills all of it or nothing, and here it fills all.
    let partial = fault == Some(Fault::PartialFill)
        && request.type_filling == Filling::Ioc
        && request.volume > rules.volume_min;
    let (volume, retcode) = if partial {
        let part = rules.floor_to_step(request.volume * PARTIAL_FILL_SHARE);
        (part.max(rules.volume_min), Retcode::DONE_PARTIAL)
    } else {
        (request.volume, Retcode::DONE)
    };
    let deal_ticket = ledger.next_ticket();
    ledger
        .record_deal(Deal {
            ticket: deal_ticket,
            order: order_ticket,
            time_msc: now,
            symbol: rules.name.clone(),
            order_type: request.order_type,
            entry: DealEntry::In,
            position_id: order_ticket,
            reason: DealReason::Expert,
            volume,
            price,
            profit: 0.0,
            magic: request.magic,
            comment,
        })
        .map_err(storage)?;
    Ok(TradeResult {
        retcode,
        deal: deal_ticket,
        order: order_ticket,
        volume,
        price,
        ..quote.refused(retcode)
    })
}

/// The answer the client gets for a booked order: the result, unless a fault loses or garbles it.
pub(super) fn answer(
    mut result: TradeResult,
    fault: Option<Fault>,
) -> Result<TradeResult, TerminalError> {
    match fault {
        Some(Fault::ExecutedThenTimeoutRetcode) => result.retcode = Retcode::TIMEOUT,
        Some(Fault::ExecutedThenErrorRetcode) => result.retcode = Retcode::ERROR,
        Some(Fault::ExecutedThenReplyLost) => return Err(TerminalError::Timeout),
        Some(Fault::ExecutedThenDisconnected) => return Err(TerminalError::Disconnected),
        _ => {}
    }
    if result.retcode.class() != RetcodeClass::Success {
        // A garbled answer carries no tickets, as a real timeout would not.
        result.deal = 0;
        result.order = 0;
    }
    Ok(result)
}
