//! A moving market: each symbol's mid price takes a small seeded random walk on every trade.
//!
//! Prices must move, or "retry with a fresh price" would be untestable: a requote is only
//! meaningful if the next quote differs from the one that was refused.

use std::collections::HashMap;

use rand::{rngs::StdRng, Rng, SeedableRng};

use super::SymbolInfo;

/// Spread between bid and ask, in points.
const SPREAD_POINTS: f64 = 12.0;
/// Largest move of the mid per tick, in points.
const MAX_STEP_POINTS: i32 = 3;
/// The mid never falls below this many points, so a long random walk cannot reach zero.
const MIN_MID_POINTS: f64 = 100.0;

/// Current mid prices of every symbol.
pub(crate) struct Market {
    mids: HashMap<String, f64>,
    rng: StdRng,
}

impl Market {
    /// A market starting from each symbol's configured price.
    pub(crate) fn new(symbols: &[SymbolInfo], seed: u64) -> Market {
        Market {
            mids: symbols.iter().map(|s| (s.name.clone(), s.bid)).collect(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Moves `symbol` one tick and returns its new (bid, ask).
    pub(crate) fn tick(&mut self, symbol: &SymbolInfo) -> (f64, f64) {
        let step = f64::from(self.rng.random_range(-MAX_STEP_POINTS..=MAX_STEP_POINTS));
        let mid = self.mids.entry(symbol.name.clone()).or_insert(symbol.bid);
        *mid = (*mid + step * symbol.point).max(symbol.point * MIN_MID_POINTS);
        self.quote(symbol)
    }

    /// The current (bid, ask) of `symbol`, without moving it.
    pub(crate) fn quote(&self, symbol: &SymbolInfo) -> (f64, f64) {
        let mid = self.mids.get(&symbol.name).copied().unwrap_or(symbol.bid);
        let half = SPREAD_POINTS / 2.0 * symbol.point;
        (
            symbol.round_price(mid - half),
            symbol.round_price(mid + half),
        )
    }
}
