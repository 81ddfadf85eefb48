//! The trade server's own checks of an order: margin, pending price side, stops distance.
//!
//! These make the simulator's permanent rejections (`NO_MONEY`, `INVALID_PRICE`,
//! `INVALID_STOPS`) come from the order itself, as on a real server, not from a dice roll.

use super::{OrderType, SymbolInfo, TradeRequest};

/// Free margin of the simulated account, in account currency. It does not shrink as positions
/// open: the demo is about delivery, not about running out of money mid-run.
pub(crate) const FREE_MARGIN: f64 = 50_000.0;
/// Account leverage (1:100).
const LEVERAGE: f64 = 100.0;

/// Margin in the account's currency (USD): a USD-based pair's lot is already in dollars, any
/// other symbol's is worth its price in dollars.
pub(crate) fn margin(rules: &SymbolInfo, volume: f64, price: f64) -> f64 {
    let notional = volume * rules.contract_size;
    if rules.name.starts_with("USD") {
        notional / LEVERAGE
    } else {
        notional * price / LEVERAGE
    }
}

pub(crate) fn pending_price_is_valid(request: &TradeRequest, bid: f64, ask: f64) -> bool {
    match request.order_type {
        OrderType::BuyLimit => request.price < ask,
        OrderType::SellLimit => request.price > bid,
        OrderType::BuyStop => request.price > ask,
        OrderType::SellStop => request.price < bid,
        OrderType::Buy | OrderType::Sell => true,
    }
}

pub(crate) fn stops_are_valid(rules: &SymbolInfo, request: &TradeRequest, price: f64) -> bool {
    let min_distance = f64::from(rules.stops_level) * rules.point;
    let (below, above) = if request.order_type.is_buy() {
        (request.sl, request.tp)
    } else {
        (request.tp, request.sl)
    };
    (below == 0.0 || below <= price - min_distance)
        && (above == 0.0 || above >= price + min_distance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::symbol::default_symbols;

    fn request(order_type: OrderType, price: f64, sl: f64, tp: f64) -> TradeRequest {
        TradeRequest {
            symbol: "EURUSD".into(),
            volume: 0.01,
            order_type,
            price,
            sl,
            tp,
            deviation: 20,
            magic: 0,
            comment: String::new(),
        }
    }

    #[test]
    fn stops_must_keep_their_distance_on_the_right_side() {
        let eurusd = &default_symbols()[0];
        let buy = |sl, tp| stops_are_valid(eurusd, &request(OrderType::Buy, 1.1, sl, tp), 1.1);
        assert!(buy(0.0, 0.0));
        assert!(buy(1.09, 1.11));
        assert!(!buy(1.1, 0.0), "stop loss at the price");
        assert!(!buy(1.2, 0.0), "stop loss above a buy");
        let sell = stops_are_valid(eurusd, &request(OrderType::Sell, 1.1, 1.11, 1.09), 1.1);
        assert!(sell);
    }

    #[test]
    fn pending_prices_sit_on_their_side_of_the_market() {
        let at = |t, p| pending_price_is_valid(&request(t, p, 0.0, 0.0), 1.0, 1.1);
        assert!(at(OrderType::BuyLimit, 0.9) && !at(OrderType::BuyLimit, 1.2));
        assert!(at(OrderType::SellLimit, 1.2) && !at(OrderType::SellLimit, 0.9));
        assert!(at(OrderType::BuyStop, 1.2) && !at(OrderType::BuyStop, 1.05));
        assert!(at(OrderType::SellStop, 0.9) && !at(OrderType::SellStop, 1.05));
    }

    #[test]
    fn margin_is_in_dollars() {
        let symbols = default_symbols();
        let usdjpy = symbols.iter().find(|s| s.name == "USDJPY").unwrap();
        let eurusd = &symbols[0];
        assert!((margin(usdjpy, 1.0, 151.2) - 1000.0).abs() < 1e-6);
        assert!((margin(eurusd, 1.0, 1.085) - 1085.0).abs() < 1e-6);
    }
}
