//! The trade server's own checks of an order: session, fill policy, volume grid, price digits,
//! pending price side, stops distance and freeze level, as MQL5's "Requirements and Limitations
//! in Making Trades" lists them (the margin an order needs is reckoned in [`super::money`]).
//!
//! These make the simulator's permanent rejections (`INVALID_FILL`, `INVALID_VOLUME`,
//! `INVALID_PRICE`, `INVALID_STOPS`, `FROZEN`) come from the order itself, as on a real server,
//! not from a dice roll.

use super::decimal;
use super::ledger::Ledger;
use super::moment::{market_is_open, Moment, Quote};
use super::volume;
use super::{Order, OrderType, Position, Retcode, SymbolInfo, TradeRequest};

/// `SYMBOL_VOLUME_LIMIT`: whether `request` would take the symbol's positions and pending orders
/// in its direction past the limit (0 is no limit).
pub(crate) fn exceeds_volume_limit(
    rules: &SymbolInfo,
    request: &TradeRequest,
    ledger: &Ledger,
) -> bool {
    if rules.volume_limit <= 0.0 {
        return false;
    }
    let step = rules.volume_step;
    let same_side = |symbol: &str, order_type: OrderType| {
        symbol == rules.name && order_type.is_buy() == request.order_type.is_buy()
    };
    let positions: u64 = ledger
        .open_positions()
        .iter()
        .filter(|p| same_side(&p.symbol, p.position_type))
        .map(|p| volume::booked_steps(p.volume, step))
        .sum();
    let orders: u64 = ledger
        .placed()
        .filter(|o| same_side(&o.symbol, o.order_type))
        .map(|o| volume::booked_steps(o.volume_initial, step))
        .sum();
    let new = volume::steps(request.volume, step).unwrap_or(u64::MAX);
    let limit = volume::booked_steps(rules.volume_limit, step);
    positions.saturating_add(orders).saturating_add(new) > limit
}

/// A pending order's open price further than this factor from the market (above or below) is
/// refused: not an MQL5 rule but the simulator's sanity bound, so a typo such as `1e300` or a
/// price in the wrong currency is refused rather than placed.
const MAX_PENDING_PRICE_FACTOR: f64 = 10.0;

/// `TRADE_RETCODE_INVALID_PRICE` unless `price` is a price of this symbol: finite, positive and
/// normalised to `SYMBOL_DIGITS` (the server refuses, it never rounds).
pub(crate) fn price_is_normalised(rules: &SymbolInfo, price: f64) -> bool {
    price > 0.0 && decimal::is_normalised(price, rules.digits)
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

/// Whether a stop loss or take profit is 0 (none) or a normalised price; otherwise the server
/// answers `TRADE_RETCODE_INVALID_STOPS`.
pub(crate) fn stops_are_normalised(rules: &SymbolInfo, request: &TradeRequest) -> bool {
    [request.sl, request.tp]
        .into_iter()
        .all(|stop| stop == 0.0 || price_is_normalised(rules, stop))
}

/// Whether a pending order's open price lies within [`MAX_PENDING_PRICE_FACTOR`] of the market.
pub(crate) fn pending_price_is_near(request: &TradeRequest, quote: Quote) -> bool {
    let mid = (quote.bid + quote.ask) / 2.0;
    request.price <= mid * MAX_PENDING_PRICE_FACTOR
        && request.price >= mid / MAX_PENDING_PRICE_FACTOR
}

/// A price distance in whole points: prices sit on the symbol's digits, so rounding only removes
/// float noise and the comparison with a level in points is exact.
fn points(rules: &SymbolInfo, distance: f64) -> i64 {
    (distance / rules.point).round() as i64
}

/// "Requirements and Limitations in Making Trades": a pending order's open price keeps
/// `SYMBOL_TRADE_STOPS_LEVEL` points from the price it would trigger on (the Ask for buys, the
/// Bid for sells), on its own side of the market.
pub(crate) fn pending_price_is_valid(
    rules: &SymbolInfo,
    request: &TradeRequest,
    quote: Quote,
) -> bool {
    let Some(distance) = distance_to_trigger(request.order_type, request.price, quote) else {
        return true;
    };
    points(rules, distance) >= i64::from(rules.stops_level) && stoplimit_is_valid(rules, request)
}

/// `ORDER_PRICE_STOPLIMIT`: a stop-limit order's limit price is a normalised price on the limit
/// order's side of the stop (below it for a buy, above for a sell); other orders carry none.
fn stoplimit_is_valid(rules: &SymbolInfo, request: &TradeRequest) -> bool {
    if !request.order_type.is_stop_limit() {
        return request.stoplimit == 0.0;
    }
    let limit = request.stoplimit;
    let on_its_side = if request.order_type.is_buy() {
        limit < request.price
    } else {
        limit > request.price
    };
    price_is_normalised(rules, limit) && on_its_side
}

/// "Requirements and Limitations in Making Trades": stops keep `SYMBOL_TRADE_STOPS_LEVEL` points
/// from the price a position would close at, not the one it opens at. A buy closes at the Bid
/// (`Bid − SL` and `TP − Bid`), a sell at the Ask (`SL − Ask` and `Ask − TP`); a pending order's
/// stops are measured from its open price, a stop-limit order's from its StopLimit price.
pub(crate) fn stops_are_valid(rules: &SymbolInfo, request: &TradeRequest, quote: Quote) -> bool {
    let reference = match (request.order_type.is_market(), request.order_type.is_buy()) {
        (true, true) => quote.bid,
        (true, false) => quote.ask,
        (false, _) if request.order_type.is_stop_limit() => request.stoplimit,
        (false, _) => request.price,
    };
    let level = rules.stops_level;
    stops_keep_distance(
        rules,
        request.order_type,
        reference,
        request.sl,
        request.tp,
        level,
    )
}

/// Whether a buy's (sell's) SL lies at least `level` points below (above) `reference` and its
/// TP as far above (below); a stop of 0 is none.
fn stops_keep_distance(
    rules: &SymbolInfo,
    order_type: OrderType,
    reference: f64,
    sl: f64,
    tp: f64,
    level: u32,
) -> bool {
    let (below, above) = if order_type.is_buy() {
        (sl, tp)
    } else {
        (tp, sl)
    };
    let level = i64::from(level);
    (below == 0.0 || points(rules, reference - below) >= level)
        && (above == 0.0 || points(rules, above - reference) >= level)
}

/// `SLTP` on a position: the new stops keep `SYMBOL_TRADE_STOPS_LEVEL` from the price the
/// position would close at (Bid for a buy, Ask for a sell).
pub(crate) fn position_stops_are_valid(
    rules: &SymbolInfo,
    position: &Position,
    sl: f64,
    tp: f64,
    quote: Quote,
) -> bool {
    let closing = closing_price(position.position_type, quote);
    stops_keep_distance(
        rules,
        position.position_type,
        closing,
        sl,
        tp,
        rules.stops_level,
    )
}

/// `SYMBOL_TRADE_FREEZE_LEVEL` on a position: its current SL or TP within the freeze level of
/// the closing price (`TP − Bid`, `Bid − SL` for a buy; `Ask − TP`, `SL − Ask` for a sell)
/// freezes them, and `SLTP` is `TRADE_RETCODE_FROZEN`.
pub(crate) fn position_is_frozen(rules: &SymbolInfo, position: &Position, quote: Quote) -> bool {
    rules.freeze_level > 0
        && !stops_keep_distance(
            rules,
            position.position_type,
            closing_price(position.position_type, quote),
            position.sl,
            position.tp,
            rules.freeze_level,
        )
}

/// `SYMBOL_TRADE_FREEZE_LEVEL` on a pending order: its open price within the freeze level of
/// the price it triggers on (`Ask − price` for a buy limit, `price − Ask` for a buy stop,
/// `price − Bid` for a sell limit, `Bid − price` for a sell stop) freezes it, and `MODIFY` or
/// `REMOVE` is `TRADE_RETCODE_FROZEN`.
pub(crate) fn order_is_frozen(rules: &SymbolInfo, order: &Order, quote: Quote) -> bool {
    rules.freeze_level > 0
        && distance_to_trigger(order.order_type, order.price_open, quote)
            .is_some_and(|d| points(rules, d) < i64::from(rules.freeze_level))
}

/// How far a pending order's price is from the market price it triggers on, positive on its
/// own side; `None` for a market order.
fn distance_to_trigger(order_type: OrderType, price: f64, quote: Quote) -> Option<f64> {
    Some(match order_type {
        OrderType::BuyLimit => quote.ask - price,
        OrderType::SellLimit => price - quote.bid,
        OrderType::BuyStop | OrderType::BuyStopLimit => price - quote.ask,
        OrderType::SellStop | OrderType::SellStopLimit => quote.bid - price,
        OrderType::Buy | OrderType::Sell => return None,
    })
}

fn closing_price(position_type: OrderType, quote: Quote) -> f64 {
    super::moment::closing_price(position_type, quote.bid, quote.ask)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::symbol::default_symbols;
    use crate::terminal::{Filling, TradeAction};

    fn request(order_type: OrderType, price: f64, sl: f64, tp: f64) -> TradeRequest {
        TradeRequest {
            volume: 0.01,
            price,
            sl,
            tp,
            deviation: 20,
            type_filling: Filling::Ioc,
            ..TradeRequest::blank(TradeAction::Deal, "EURUSD", order_type)
        }
    }

    /// EURUSD quoted 1.10000 / 1.10012 (12 points of spread; stops level 10 points).
    const QUOTE: Quote = Quote {
        bid: 1.1,
        ask: 1.10012,
    };

    /// "Requirements and Limitations in Making Trades", at the boundary: exactly
    /// `SYMBOL_TRADE_STOPS_LEVEL` points from the closing price is allowed, one less is not.
    #[test]
    fn stops_keep_the_stops_level_from_the_closing_price() {
        let eurusd = &default_symbols()[0];
        let buy =
            |sl, tp| stops_are_valid(eurusd, &request(OrderType::Buy, 1.10012, sl, tp), QUOTE);
        assert!(buy(0.0, 0.0));
        assert!(
            buy(1.0999, 1.1001),
            "Bid − SL and TP − Bid are exactly 10 points"
        );
        assert!(!buy(1.09991, 0.0), "Bid − SL is 9 points");
        assert!(
            !buy(0.0, 1.10009),
            "TP − Bid is 9 points, though TP is below the Ask"
        );
        assert!(!buy(1.2, 0.0), "stop loss above a buy");
        let sell = |sl, tp| stops_are_valid(eurusd, &request(OrderType::Sell, 1.1, sl, tp), QUOTE);
        assert!(
            sell(1.10022, 1.10002),
            "SL − Ask and Ask − TP are exactly 10 points"
        );
        assert!(!sell(1.10021, 0.0), "SL − Ask is 9 points");
        assert!(
            !sell(0.0, 1.10003),
            "Ask − TP is 9 points, though TP is above the Bid"
        );
        let limit = |sl, tp| {
            let order = request(OrderType::BuyLimit, 1.09, sl, tp);
            stops_are_valid(eurusd, &order, QUOTE)
        };
        assert!(
            limit(1.0899, 1.0901),
            "a pending order's stops: from its open price"
        );
        assert!(!limit(1.08991, 0.0));
    }

    #[test]
    fn pending_prices_sit_on_their_side_of_the_market() {
        let eurusd = &default_symbols()[0];
        let quote = Quote { bid: 1.0, ask: 1.1 };
        let at = |t, p| pending_price_is_valid(eurusd, &request(t, p, 0.0, 0.0), quote);
        assert!(at(OrderType::BuyLimit, 0.9) && !at(OrderType::BuyLimit, 1.2));
        assert!(at(OrderType::SellLimit, 1.2) && !at(OrderType::SellLimit, 0.9));
        assert!(at(OrderType::BuyStop, 1.2) && !at(OrderType::BuyStop, 1.05));
        assert!(at(OrderType::SellStop, 0.9) && !at(OrderType::SellStop, 1.05));
        assert!(at(OrderType::BuyLimit, 1.0999) && !at(OrderType::BuyLimit, 1.09991));
        assert!(at(OrderType::SellStop, 0.9999) && !at(OrderType::SellStop, 0.99991));
    }
}
