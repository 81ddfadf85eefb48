//! How the simulated trade server deals one `order_send`, in three steps: check the order against
//! the market and the symbol's rules, book it, then answer (or, with an injected fault, lose or
//! garble the answer of an order already booked).
//!
//! Faults of the link and the dealer strike before the server looks at the order, so nothing is
//! booked; the `ExecutedThen*` faults strike after booking, which is the case reconciliation
//! exists for.

use super::broker::Broker;
use super::ledger::{Batch, Ledger, LedgerError};
use super::pending::expiration_is_valid;
use super::positions::open_fill;
use super::rules::{
    margin, pending_price_is_near, pending_price_is_valid, price_is_normalised,
    stops_are_normalised, stops_are_valid,
};
use super::sessions;
use super::symbol::{SymbolInfo, TradeMode};
use super::{
    Fault, Filling, Order, OrderState, Retcode, RetcodeClass, TerminalError, TradeRequest,
    TradeResult,
};

/// Slippage is measured in whole points: a price this far past the deviation still rounds to it.
const SLIPPAGE_ROUNDING_POINTS: f64 = 0.5;
/// A partial fill (IOC) executes this share of the volume, floored to the volume step.
const PARTIAL_FILL_SHARE: f64 = 0.5;

/// The market at the moment of the order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quote {
    pub(crate) bid: f64,
    pub(crate) ask: f64,
}

impl Quote {
    /// The answer of an order that did not execute.
    pub(crate) fn refused(self, retcode: Retcode) -> TradeResult {
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

/// What a trade operation sees: the symbol's rules, its quote, the time and the broker.
pub(crate) struct Moment<'a> {
    pub(crate) rules: &'a SymbolInfo,
    pub(crate) quote: Quote,
    pub(crate) now_ms: u64,
    pub(crate) broker: &'a Broker,
}

/// What an operation on the books came to: an answer, a refusal, or a storage failure.
pub(crate) type Outcome = Result<Result<TradeResult, Retcode>, TerminalError>;

/// A ledger failure as the terminal reports it.
pub(crate) fn storage(error: LedgerError) -> TerminalError {
    TerminalError::Storage(error.to_string())
}

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

/// `TRADE_RETCODE_MARKET_CLOSED` when the symbol does not trade now: disabled, or outside its
/// sessions.
pub(crate) fn market_is_open(m: &Moment) -> Result<(), Retcode> {
    if m.rules.trade_mode == TradeMode::Closed
        || !sessions::is_open(&m.rules.trade_sessions, m.now_ms)
    {
        return Err(Retcode::MARKET_CLOSED);
    }
    Ok(())
}

/// The checks every deal and order shares: session, fill policy, volume grid, normalised price.
pub(crate) fn check_order(m: &Moment, request: &TradeRequest) -> Result<(), Retcode> {
    market_is_open(m)?;
    if !request.type_filling.is_allowed(m.rules, request.order_type) {
        return Err(Retcode::INVALID_FILL);
    }
    if !m.rules.volume_is_valid(request.volume) {
        return Err(Retcode::INVALID_VOLUME);
    }
    if !price_is_normalised(m.rules, request.price) {
        return Err(Retcode::INVALID_PRICE);
    }
    Ok(())
}

/// A market order's execution price: the Ask for a buy, the Bid for a sell, unless it lies
/// further than `deviation` points from the client's price (`REQUOTE`).
pub(crate) fn market_price(m: &Moment, request: &TradeRequest) -> Result<f64, Retcode> {
    let market = if request.order_type.is_buy() {
        m.quote.ask
    } else {
        m.quote.bid
    };
    let slippage_points = (request.price - market).abs() / m.rules.point;
    if slippage_points > f64::from(request.deviation) + SLIPPAGE_ROUNDING_POINTS {
        return Err(Retcode::REQUOTE);
    }
    Ok(market)
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

/// The volume a fill executes: all of it, or (under a partial-fill fault, IOC only: FOK fills
/// all or nothing) half of it floored to the step.
pub(crate) fn filled_volume(
    rules: &SymbolInfo,
    request: &TradeRequest,
    fault: Option<Fault>,
) -> (f64, Retcode) {
    let partial = fault == Some(Fault::PartialFill)
        && request.type_filling == Filling::Ioc
        && request.volume > rules.volume_min;
    if partial {
        let part = rules.floor_to_step(request.volume * PARTIAL_FILL_SHARE);
        (part.max(rules.volume_min), Retcode::DONE_PARTIAL)
    } else {
        (request.volume, Retcode::DONE)
    }
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
