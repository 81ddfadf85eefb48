//! How to build a [`SimulatedTerminal`](super::SimulatedTerminal): where its books live, how it
//! fails, what clock it reads, and which awkward broker behaviours it shows.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::price::DEFAULT_TICK_POINTS;
use super::{Clock, Fault, SystemClock};

/// The simulated account's starting balance, in USD, unless configured otherwise.
pub const DEFAULT_BALANCE: f64 = 50_000.0;

/// How to build a [`SimulatedTerminal`](super::SimulatedTerminal).
///
/// ```
/// use std::time::Duration;
/// use gateway_example::terminal::{ManualClock, SimulatedTerminal, SimulatorOptions};
///
/// let options = SimulatorOptions {
///     clock: std::sync::Arc::new(ManualClock::at_ms(1_700_000_000_000)),
///     history_lag: Duration::from_secs(2),
///     rewrite_comments: Some("#{ticket}".into()),
///     ..SimulatorOptions::default()
/// };
/// let terminal = SimulatedTerminal::open(&options).unwrap();
/// # drop(terminal);
/// ```
#[derive(Debug, Clone)]
pub struct SimulatorOptions {
    /// Where the trade server keeps its books; `None` keeps them in memory.
    pub data_dir: Option<PathBuf>,
    /// Fraction of `order_send` calls that fail (0.0 to 1.0).
    pub fault_rate: f64,
    /// Seed of faults and prices.
    pub seed: u64,
    /// Longest injected latency.
    pub max_latency: Duration,
    /// Faults for the first `order_send` calls, in order, before any seeded ones: to replay an
    /// incident exactly.
    pub scripted: Vec<Fault>,
    /// What "now" is for the trade server: deal times, expiry, sessions, history lag.
    pub clock: Arc<dyn Clock>,
    /// The account's starting balance, in USD.
    pub balance: f64,
    /// Largest move of a symbol's mid price per tick, in points; 0 keeps prices where
    /// [`SimulatedTerminal::set_bid`](super::SimulatedTerminal::set_bid) puts them.
    pub tick_points: u32,
    /// How long a deal or a finished order stays out of `history_deals_get` and
    /// `history_orders_get` after it happened, as a real terminal's history sync lags its
    /// trade results (`positions_get` and `orders_get` are current).
    pub history_lag: Duration,
    /// A broker that rewrites comments: every stored comment becomes this text, with `{ticket}`
    /// replaced by the order's ticket (e.g. `"#{ticket}"`); `None` keeps the client's comment.
    pub rewrite_comments: Option<String>,
}

impl Default for SimulatorOptions {
    fn default() -> Self {
        SimulatorOptions {
            data_dir: None,
            fault_rate: 0.0,
            seed: 1,
            max_latency: Duration::from_millis(50),
            scripted: Vec::new(),
            clock: Arc::new(SystemClock),
            balance: DEFAULT_BALANCE,
            tick_points: DEFAULT_TICK_POINTS,
            history_lag: Duration::ZERO,
            rewrite_comments: None,
        }
    }
}
