//! The account: balance, floating profit, equity and the margin open positions hold.
//!
//! Profit and margin are reckoned in USD as [`super::money`] reckons them. Margin is held by
//! open positions only, at their opening price (pending orders hold none, as in MT5 for FX).

use super::ledger::Ledger;
use super::moment::closing_price;
use super::money::{in_usd, margin, profit, round, LEVERAGE};
use super::price::Market;
use super::{AccountInfo, Position, SymbolInfo};

/// The simulated account's number.
const ACCOUNT_LOGIN: u64 = 5_000_001;

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
