//! What a trade operation sees: the symbol's rules, its quote, the time and the broker (a
//! [`Moment`]), and the market facts every operation reads from it: whether the market is open,
//! the price a market order executes at, the price a position closes at.
//!
//! A leaf: dealing, pending orders, positions, triggers and the server's rules all read the
//! market through this module, and it imports none of them.

use super::broker::Broker;
use super::sessions;
use super::symbol::{SymbolInfo, TradeMode};
use super::{OrderType, Retcode, TradeRequest, TradeResult};

/// Slippage is measured in whole points: a price this far past the deviation still rounds to it.
const SLIPPAGE_ROUNDING_POINTS: f64 = 0.5;

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

/// The price a position would close at now: the Bid for a buy, the Ask for a sell.
pub(crate) fn closing_price(position_type: OrderType, bid: f64, ask: f64) -> f64 {
    if position_type.is_buy() {
        bid
    } else {
        ask
    }
}
