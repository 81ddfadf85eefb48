//! A simulated terminal held still for exact MQL5-rule tests: prices move only when a test
//! sets them, and time only when it advances the clock.
#![allow(dead_code)] // each test binary uses its own part of this

use std::sync::Arc;

use gateway_example::terminal::{
    Filling, HistoryFilter, ManualClock, OrderType, Position, SimulatedTerminal, SimulatorOptions,
    Terminal, TradeAction, TradeRequest, TradeResult,
};

/// Wednesday 2024-01-03, 12:00 UTC.
pub const WEDNESDAY_NOON_MS: u64 = 1_704_283_200_000;
/// EURUSD's point.
pub const POINT: f64 = 0.00001;

/// A terminal whose prices stand still and whose clock stands at Wednesday noon.
pub fn still_market() -> (SimulatedTerminal, ManualClock) {
    still_market_with(SimulatorOptions::default())
}

/// [`still_market`] with other options too.
pub fn still_market_with(options: SimulatorOptions) -> (SimulatedTerminal, ManualClock) {
    let clock = ManualClock::at_ms(WEDNESDAY_NOON_MS);
    let options = SimulatorOptions {
        clock: Arc::new(clock.clone()),
        tick_points: 0,
        ..options
    };
    (SimulatedTerminal::open(&options).unwrap(), clock)
}

/// A request with every field at MT5's zero.
pub fn blank(action: TradeAction, symbol: &str) -> TradeRequest {
    TradeRequest {
        deviation: 20,
        type_filling: Filling::Ioc,
        magic: 77,
        comment: "mt5".into(),
        ..TradeRequest::blank(action, symbol, OrderType::Buy)
    }
}

/// A market order of `volume` lots at the current price.
pub fn market(
    t: &SimulatedTerminal,
    symbol: &str,
    order_type: OrderType,
    volume: f64,
) -> TradeRequest {
    let info = t.symbol_info(symbol).unwrap().unwrap();
    TradeRequest {
        volume,
        order_type,
        price: if order_type.is_buy() {
            info.ask
        } else {
            info.bid
        },
        type_filling: Filling::preferred(&info, order_type),
        ..blank(TradeAction::Deal, symbol)
    }
}

/// Sends a market order and returns its answer.
pub fn open(
    t: &SimulatedTerminal,
    symbol: &str,
    order_type: OrderType,
    volume: f64,
) -> TradeResult {
    t.order_send(&market(t, symbol, order_type, volume))
        .unwrap()
}

/// A pending order of 0.1 lots at `price`.
pub fn pending(symbol: &str, order_type: OrderType, price: f64) -> TradeRequest {
    TradeRequest {
        volume: 0.1,
        order_type,
        price,
        type_filling: Filling::Return,
        ..blank(TradeAction::Pending, symbol)
    }
}

/// The request closing `volume` lots of `position` at the current price.
pub fn close(t: &SimulatedTerminal, position: &Position, volume: f64) -> TradeRequest {
    let closing = if position.position_type.is_buy() {
        OrderType::Sell
    } else {
        OrderType::Buy
    };
    TradeRequest {
        position: position.ticket,
        ..market(t, &position.symbol, closing, volume)
    }
}

/// The request setting `position`'s stops.
pub fn sltp(position: &Position, sl: f64, tp: f64) -> TradeRequest {
    TradeRequest {
        position: position.ticket,
        sl,
        tp,
        ..blank(TradeAction::Sltp, &position.symbol)
    }
}

/// The open position with this ticket.
pub fn position(t: &SimulatedTerminal, ticket: u64) -> Option<Position> {
    let filter = HistoryFilter {
        position: Some(ticket),
        ..HistoryFilter::default()
    };
    t.positions_get(&filter).unwrap().into_iter().next()
}
