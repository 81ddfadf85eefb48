//! Money in the account's currency (USD): the margin a position holds at the account's leverage
//! and the profit it makes, to the cent.
//!
//! Both are reckoned the simple way: a price difference times volume times contract size is in
//! the quote currency, which is USD for `xxxUSD` symbols; for `USDxxx` it is divided by the
//! closing price, and a USD-based pair's lot is already in dollars; any other symbol's quote
//! currency is taken as USD (no cross rates in the simulator).
//!
//! A leaf: the account, dealing, positions and triggers read these figures here, and it imports
//! none of them.

use super::{OrderType, SymbolInfo};

/// Account leverage (1:100).
pub(crate) const LEVERAGE: u32 = 100;
/// Money is kept to the cent.
const CENTS: f64 = 100.0;

/// Margin in the account's currency (USD): a USD-based pair's lot is already in dollars, any
/// other symbol's is worth its price in dollars.
pub(crate) fn margin(rules: &SymbolInfo, volume: f64, price: f64) -> f64 {
    let notional = volume * rules.contract_size;
    if rules.name.starts_with("USD") {
        notional / f64::from(LEVERAGE)
    } else {
        notional * price / f64::from(LEVERAGE)
    }
}

/// Profit of `volume` lots of a position of `position_type` opened at `open` and closed at
/// `close`, in USD, to the cent.
///
/// A buy earns `(close − open) × volume × contract size`, a sell `(open − close) × ...`.
pub(crate) fn profit(
    rules: &SymbolInfo,
    position_type: OrderType,
    volume: f64,
    open: f64,
    close: f64,
) -> f64 {
    let move_ = if position_type.is_buy() {
        close - open
    } else {
        open - close
    };
    round(in_usd(rules, move_ * volume * rules.contract_size, close))
}

/// An amount in `rules`' quote currency, in USD at the price `close`.
pub(crate) fn in_usd(rules: &SymbolInfo, in_quote: f64, close: f64) -> f64 {
    if rules.name.starts_with("USD") && close > 0.0 {
        in_quote / close
    } else {
        in_quote
    }
}

/// `money` rounded to the cent.
pub(crate) fn round(money: f64) -> f64 {
    (money * CENTS).round() / CENTS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::symbol::default_symbols;

    #[test]
    fn profit_is_in_dollars_on_the_closing_side() {
        let symbols = default_symbols();
        let by = |name: &str| symbols.iter().find(|s| s.name == name).unwrap().clone();
        let eurusd = by("EURUSD");
        assert_eq!(profit(&eurusd, OrderType::Buy, 0.1, 1.085, 1.086), 10.0);
        assert_eq!(profit(&eurusd, OrderType::Sell, 0.1, 1.085, 1.086), -10.0);
        let usdjpy = by("USDJPY");
        // 1 lot, 1 yen up: 100 000 JPY, at 152 yen a dollar.
        assert_eq!(profit(&usdjpy, OrderType::Buy, 1.0, 151.0, 152.0), 657.89);
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
