//! A moving market: each symbol's mid price takes a small seeded random walk on every trade,
//! quoted with the symbol's own spread (`SYMBOL_SPREAD`).
//!
//! Prices must move, or "retry with a fresh price" would be untestable: a requote is only
//! meaningful if the next quote differs from the one that was refused. Tests that need an exact
//! market set the walk's step to 0 and place the price themselves.

use std::collections::HashMap;

use rand::{rngs::StdRng, Rng, SeedableRng};

use super::SymbolInfo;

/// Largest move of the mid per tick, in points, unless configured otherwise.
pub(crate) const DEFAULT_TICK_POINTS: u32 = 3;
/// The mid never falls below this many points, so a long random walk cannot reach zero.
const MIN_MID_POINTS: f64 = 100.0;

/// Current mid prices of every symbol.
pub(crate) struct Market {
    mids: HashMap<String, f64>,
    rng: StdRng,
    max_step_points: i32,
}

impl Market {
    /// A market starting from each symbol's configured price.
    /// Each tick moves a mid by up to `max_step_points` either way.
    pub(crate) fn new(symbols: &[SymbolInfo], seed: u64, max_step_points: u32) -> Market {
        Market {
            mids: symbols.iter().map(|s| (s.name.clone(), s.bid)).collect(),
            rng: StdRng::seed_from_u64(seed),
            max_step_points: i32::try_from(max_step_points).unwrap_or(i32::MAX),
        }
    }

    /// Places `symbol`'s bid at `bid` (its ask a spread above), as a tick would.
    pub(crate) fn set_bid(&mut self, symbol: &SymbolInfo, bid: f64) -> (f64, f64) {
        let half = f64::from(symbol.spread) / 2.0 * symbol.point;
        self.mids.insert(symbol.name.clone(), bid + half);
        self.quote(symbol)
    }

    /// Moves `symbol` one tick and returns its new (bid, ask).
    pub(crate) fn tick(&mut self, symbol: &SymbolInfo) -> (f64, f64) {
        let max = self.max_step_points;
        let step = f64::from(self.rng.random_range(-max..=max));
        let mid = self.mids.entry(symbol.name.clone()).or_insert(symbol.bid);
        *mid = (*mid + step * symbol.point).max(symbol.point * MIN_MID_POINTS);
        self.quote(symbol)
    }

    /// The current (bid, ask) of `symbol`, without moving it.
    pub(crate) fn quote(&self, symbol: &SymbolInfo) -> (f64, f64) {
        let mid = self.mids.get(&symbol.name).copied().unwrap_or(symbol.bid);
        let half = f64::from(symbol.spread) / 2.0 * symbol.point;
        (
            symbol.round_price(mid - half),
            symbol.round_price(mid + half),
        )
    }
}
