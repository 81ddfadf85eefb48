//! Symbols with MT5's volume rules and the starting prices of the simulated market.

use serde::{Deserialize, Serialize};

use super::sessions::{weekdays, TradeSession};
use super::volume;
use super::{SYMBOL_FILLING_FOK, SYMBOL_FILLING_IOC};

/// Whether a symbol can be traded now (`SYMBOL_TRADE_MODE_*`, simplified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradeMode {
    /// Trading allowed.
    Full,
    /// The session is closed: orders get `MARKET_CLOSED`.
    Closed,
}

/// A symbol's rules and current quote, like MT5's `symbol_info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolInfo {
    /// Symbol name.
    pub name: String,
    /// Decimal digits of a price.
    pub digits: u32,
    /// Size of one point in price units.
    pub point: f64,
    /// Smallest order, in lots.
    pub volume_min: f64,
    /// Largest order, in lots.
    pub volume_max: f64,
    /// Order volumes are whole multiples of this.
    pub volume_step: f64,
    /// Units of the base currency in one lot (margin is reckoned from it).
    pub contract_size: f64,
    /// Largest total volume of positions and pending orders in one direction
    /// (`SYMBOL_VOLUME_LIMIT`), 0 for none.
    pub volume_limit: f64,
    /// Fill policies allowed (`SYMBOL_FILLING_MODE`): `SYMBOL_FILLING_FOK` (1) and
    /// `SYMBOL_FILLING_IOC` (2) flags.
    pub filling_mode: u32,
    /// Closest distance of stops to the price, in points (`SYMBOL_TRADE_STOPS_LEVEL`).
    pub stops_level: u32,
    /// Distance to the market within which an order or a position's stops may no longer be
    /// changed, in points (`SYMBOL_TRADE_FREEZE_LEVEL`), 0 for none.
    #[serde(default)]
    pub freeze_level: u32,
    /// Spread between bid and ask, in points (`SYMBOL_SPREAD`).
    #[serde(default)]
    pub spread: u32,
    /// When the symbol trades, by UTC weekday (`SymbolInfoSessionTrade`); empty for round the
    /// clock.
    #[serde(default)]
    pub trade_sessions: Vec<TradeSession>,
    /// Whether the market is open.
    pub trade_mode: TradeMode,
    /// Current bid.
    pub bid: f64,
    /// Current ask.
    pub ask: f64,
}

/// Float noise allowed when a computed volume (a partial fill's share) is floored to the grid:
/// 0.07 / 0.01 is a hair under 7 in binary.
const VOLUME_GRID_TOLERANCE: f64 = 1e-7;

impl SymbolInfo {
    /// Whether `volume` is a whole number of `SYMBOL_VOLUME_STEP`s within
    /// `[SYMBOL_VOLUME_MIN, SYMBOL_VOLUME_MAX]`, compared as integer steps (see
    /// [`volume`](super::volume)).
    ///
    /// ```
    /// use gateway_example::terminal::{SimulatedTerminal, SimulatorOptions, Terminal};
    ///
    /// let terminal = SimulatedTerminal::open(&SimulatorOptions::default()).unwrap();
    /// let eurusd = terminal.symbol_info("EURUSD").unwrap().unwrap();
    /// assert!(eurusd.volume_is_valid(0.07));
    /// assert!(!eurusd.volume_is_valid(0.0100000001));
    /// ```
    pub fn volume_is_valid(&self, volume: f64) -> bool {
        let steps = |v| volume::steps(v, self.volume_step);
        match (
            steps(volume),
            steps(self.volume_min),
            steps(self.volume_max),
        ) {
            (Some(n), Some(min), Some(max)) => (min..=max).contains(&n),
            _ => false,
        }
    }

    /// `volume` rounded down to the step grid (used for partial fills).
    pub fn floor_to_step(&self, volume: f64) -> f64 {
        let steps = (volume / self.volume_step + VOLUME_GRID_TOLERANCE).floor();
        self.round_volume(steps * self.volume_step)
    }

    /// `volume` with float noise removed, to the step's decimals.
    pub fn round_volume(&self, volume: f64) -> f64 {
        (volume * 1e8).round() / 1e8
    }

    /// `price` rounded to the symbol's digits.
    pub fn round_price(&self, price: f64) -> f64 {
        let scale = 10f64.powi(self.digits as i32);
        (price * scale).round() / scale
    }
}

/// The market the simulator opens with: FX and metal symbols trading round the clock, an index
/// trading on weekdays' European hours, and one whose trading is closed.
pub(crate) fn default_symbols() -> Vec<SymbolInfo> {
    let fx = |name: &str, digits: u32, mid: f64| SymbolInfo {
        name: name.to_owned(),
        digits,
        point: 10f64.powi(-(digits as i32)),
        volume_min: 0.01,
        volume_max: 100.0,
        volume_step: 0.01,
        contract_size: 100_000.0,
        volume_limit: 0.0,
        filling_mode: SYMBOL_FILLING_FOK | SYMBOL_FILLING_IOC,
        stops_level: 10,
        freeze_level: 0,
        spread: 12,
        trade_sessions: Vec::new(),
        trade_mode: TradeMode::Full,
        bid: mid,
        ask: mid,
    };
    let mut cable = fx("GBPUSD", 5, 1.2700);
    cable.spread = 16;
    cable.freeze_level = 5;
    let mut yen = fx("USDJPY", 3, 151.20);
    yen.filling_mode = SYMBOL_FILLING_IOC;
    yen.spread = 14;
    let mut gold = fx("XAUUSD", 2, 2350.0);
    gold.filling_mode = SYMBOL_FILLING_FOK;
    gold.contract_size = 100.0;
    gold.volume_max = 50.0;
    gold.spread = 30;
    // A DAX-like index: weekdays 07:00-21:00 UTC.
    let mut index = fx("GER40", 1, 18_000.0);
    index.contract_size = 1.0;
    index.volume_min = 0.1;
    index.volume_step = 0.1;
    index.spread = 20;
    index.trade_sessions = weekdays(7 * 3600, 21 * 3600);
    let mut closed = fx("US30", 1, 39_000.0);
    closed.contract_size = 1.0;
    closed.volume_min = 0.1;
    closed.volume_step = 0.1;
    closed.trade_mode = TradeMode::Closed;
    // A broker capping exposure: 1 lot of positions and pending orders per direction.
    let mut capped = fx("EURCHF", 5, 0.9650);
    capped.volume_limit = 1.0;
    capped.spread = 18;
    vec![
        fx("EURUSD", 5, 1.0850),
        cable,
        yen,
        gold,
        closed,
        capped,
        index,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eurusd() -> SymbolInfo {
        default_symbols().remove(0)
    }

    #[test]
    fn volume_must_be_on_the_grid_and_in_range() {
        let s = eurusd();
        assert!(s.volume_is_valid(0.01));
        assert!(s.volume_is_valid(0.07));
        assert!(s.volume_is_valid(100.0));
        assert!(!s.volume_is_valid(0.005));
        assert!(!s.volume_is_valid(0.015));
        assert!(!s.volume_is_valid(100.01));
        assert!(!s.volume_is_valid(0.0));
        assert!(!s.volume_is_valid(f64::NAN));
        assert!(
            !s.volume_is_valid(0.0100000001),
            "SYMBOL_VOLUME_STEP is exact"
        );
        assert!(!s.volume_is_valid(49.999999));
    }

    #[test]
    fn floor_to_step_keeps_whole_steps() {
        let s = eurusd();
        assert_eq!(s.floor_to_step(0.035), 0.03);
        assert_eq!(s.floor_to_step(0.07), 0.07);
    }
}
