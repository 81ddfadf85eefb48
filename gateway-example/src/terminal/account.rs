//! The account: balance, floating profit, equity and the margin open positions hold.
//!
//! Profit is reckoned in the account's currency (USD) the simple way `rules::margin` reckons
//! margin: a price difference times volume times contract size is in the quote currency, which
//! is USD for `xxxUSD` symbols; for `USDxxx` it is divided by the closing price; any other
//! symbol's quote currency is taken as USD (no cross rates in the simulator). Margin is held by
//! open positions only, at their opening price (pending orders hold none, as in MT5 for FX).

use super::ledger::Ledger;
use super::price::Market;
use super::rules::{margin, LEVERAGE};
use super::{AccountInfo, OrderType, Position, SymbolInfo};

/// The simulated account's number.
const ACCOUNT_LOGIN: u64 = 5_000_001;
/// Money is kept to the cent.
const CENTS: f64 = 100.0;

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
fn in_usd(rules: &SymbolInfo, in_quote: f64, close: f64) -> f64 {
    if rules.name.starts_with("USD") && close > 0.0 {
        in_quote / close
    } else {
        in_quote
    }
}

/// The price a position would close at now: the Bid for a buy, the Ask for a sell.
pub(crate) fn closing_price(position_type: OrderType, bid: f64, ask: f64) -> f64 {
    if position_type.is_buy() {
        bid
    } else {
        ask
    }
}

/// `position` with its current price and floating profit filled in from the market.
pub(crate) fn valued(position: &Position, symbols: &[SymbolInfo], market: &Market) -> Position {
    let mut valued = position.clone();
    if let Some(rules) = symbols.iter().find(|s| s.name == position.symbol) {
        let (bid, ask) = market.quote(rules);
        valued.price_current = closing_price(position.position_type, bid, ask);
        valued.profit = profit(
            rules,
            position.position_type,
            position.volume,
            position.price_open,
            valued.price_current,
        );
    }
    valued
}

/// The account now: `balance` is the start plus realised profit, equity adds the floating
/// profit, margin is the open positions'. Summed per symbol and direction (see
/// [`super::exposure`]), so it costs the same however many positions are open.
pub(crate) fn account(
    ledger: &Ledger,
    symbols: &[SymbolInfo],
    market: &Market,
    start: f64,
) -> AccountInfo {
    let balance = start + ledger.realised_profit();
    let (mut floating, mut used) = (0.0, 0.0);
    for rules in symbols {
        let (bid, ask) = market.quote(rules);
        for buys in [true, false] {
            let held = ledger.exposure(&rules.name, buys);
            if held.volume <= 0.0 {
                continue;
            }
            let close = if buys { bid } else { ask };
            let side = if buys { 1.0 } else { -1.0 };
            let in_quote = side * (close * held.volume - held.notional) * rules.contract_size;
            floating += in_usd(rules, in_quote, close);
            used += if rules.name.starts_with("USD") {
                margin(rules, held.volume, 1.0)
            } else {
                held.notional * rules.contract_size / f64::from(LEVERAGE)
            };
        }
    }
    let (equity, used) = (balance + floating, round(used));
    AccountInfo {
        login: ACCOUNT_LOGIN,
        currency: "USD".into(),
        leverage: LEVERAGE,
        balance: round(balance),
        equity: round(equity),
        margin: used,
        margin_free: round(equity - used),
        margin_level: if used > 0.0 {
            round(equity / used * 100.0)
        } else {
            0.0
        },
        profit: round(floating),
    }
}

fn round(money: f64) -> f64 {
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
}
