//! How the simulated trade server deals one `order_send`, in three steps: check the order against
//! the market and the symbol's rules, book it, then answer (or, with an injected fault, lose or
//! garble the answer of an order already booked).
//!
//! Faults of the link and the dealer strike before the server looks at the order, so nothing is
//! booked; the `ExecutedThen*` faults strike after booking, which is the case reconciliation
//! exists for.

use super::filling::filled_volume;
use super::ledger::{Batch, Ledger};
use super::moment::{market_price, Moment};
use super::money::margin;
use super::outcome::storage;
use super::pending::expiration_is_valid;
use super::positions::open_fill;
use super::rules::{
    check_order, pending_price_is_near, pending_price_is_valid, stops_are_normalised,
    stops_are_valid,
};
use super::{
    Fault, Order, OrderState, Retcode, RetcodeClass, TerminalError, TradeRequest, TradeResult,
};

/// The retcode of a link or dealer fault, which refuses the order before the server sees it.
pub(crate) fn refused_before_the_server(fault: Option<Fault>) -> Option<Retcode> {
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

/// The server's checks of an opening order: the shared ones, then slippage or the pending
/// price and expiry, stops, and margin against `free_margin`. The execution price, or the
/// retcode refusing the order.
pub(crate) fn check(m: &Moment, request: &TradeRequest, free_margin: f64) -> Result<f64, Retcode> {
    if request.action != super::TradeAction::placing(request.order_type) {
        return Err(Retcode::INVALID);
    }
    check_order(m, request)?;
    if !stops_are_normalised(m.rules, request) {
        return Err(Retcode::INVALID_STOPS);
    }
    let price = if request.order_type.is_market() {
        market_price(m, request)?
    } else {
        if !pending_price_is_near(request, m.quote)
            || !pending_price_is_valid(m.rules, request, m.quote)
        {
            return Err(Retcode::INVALID_PRICE);
        }
        if !expiration_is_valid(request.type_time, request.expiration, m.now_ms) {
            return Err(Retcode::INVALID_EXPIRATION);
        }
        request.price
    };
    if !stops_are_valid(m.rules, request, m.quote) {
        return Err(Retcode::INVALID_STOPS);
    }
    if margin(m.rules, request.volume, price) > free_margin {
        return Err(Retcode::NO_MONEY);
    }
    Ok(price)
}

/// Books a checked opening order at `price`: a pending order, or a filled market order with
/// its deal and the position it opens (part of the volume under a partial-fill fault), in one
/// commit.
pub(crate) fn book(
    ledger: &mut Ledger,
    m: &Moment,
    request: &TradeRequest,
    price: f64,
    fault: Option<Fault>,
) -> Result<TradeResult, TerminalError> {
    let order_ticket = ledger.next_ticket();
    let market = request.order_type.is_market();
    let (volume, retcode) = if market {
        filled_volume(m.rules, request, fault)
    } else {
        (request.volume, Retcode::PLACED)
    };
    let mut order = Order {
        ticket: order_ticket,
        time_setup_msc: m.now_ms,
        time_done_msc: 0,
        symbol: m.rules.name.clone(),
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
        comment: m.broker.comment(&request.comment, order_ticket),
    };
    let mut batch = Batch::default();
    let mut deal_ticket = 0;
    if market {
        deal_ticket = ledger.next_ticket();
        let (deal, position) = open_fill(&order, deal_ticket, volume, price, m.now_ms);
        order.state = OrderState::Filled;
        order.time_done_msc = m.now_ms;
        order.position_id = order_ticket;
        batch.deals.push(deal);
        batch.positions.push(position);
    }
    batch.orders.push(order);
    ledger.commit(batch).map_err(storage)?;
    Ok(TradeResult {
        retcode,
        deal: deal_ticket,
        order: order_ticket,
        volume,
        price,
        ..m.quote.refused(retcode)
    })
}

/// The answer the client gets for a booked order: the result, unless a fault loses or garbles it.
pub(crate) fn answer(
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
