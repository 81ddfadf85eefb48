//! The open positions summed per symbol and direction, kept up to date as positions change, so
//! the account's margin and floating profit cost one pass over the symbols, not over every
//! position, on each tick.
//!
//! Both are linear in the positions: margin is `Σ volume × contract size × open price ÷
//! leverage` (without the price for a `USDxxx` symbol), and a buy's floating profit is
//! `(close × Σ volume − Σ volume × open) × contract size`.

use std::collections::HashMap;

use super::Position;

/// One symbol's open positions in one direction, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Exposure {
    /// Lots.
    pub(crate) volume: f64,
    /// Lots times opening price.
    pub(crate) notional: f64,
}

/// Every symbol's exposure, by (symbol, buys).
#[derive(Debug, Default)]
pub(crate) struct Exposures(HashMap<(String, bool), Exposure>);

impl Exposures {
    /// The exposures of these positions.
    pub(crate) fn of<'a>(positions: impl IntoIterator<Item = &'a Position>) -> Exposures {
        let mut all = Exposures::default();
        for position in positions {
            all.add(position, 1.0);
        }
        all
    }

    /// Adds (`sign` 1) or removes (`sign` −1) a position's share.
    pub(crate) fn add(&mut self, position: &Position, sign: f64) {
        let key = (position.symbol.clone(), position.position_type.is_buy());
        let exposure = self.0.entry(key).or_default();
        exposure.volume += sign * position.volume;
        exposure.notional += sign * position.volume * position.price_open;
    }

    /// The exposure of `symbol`'s buys (`buys`) or sells.
    pub(crate) fn get(&self, symbol: &str, buys: bool) -> Exposure {
        self.0
            .get(&(symbol.to_owned(), buys))
            .copied()
            .unwrap_or_default()
    }
}
