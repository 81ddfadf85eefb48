//! The MetaTrader 5 terminal as the gateway sees it: a trait shaped like the MT5 Python API.
//!
//! The gateway talks to a [`Terminal`] only through `order_send`, `history_deals_get`,
//! `orders_get` and `symbol_info`, the same four calls a Python bridge makes, so a real terminal
//! can replace [`SimulatedTerminal`] without touching the retry or reconciliation code.

mod constant;
mod dealing;
mod decimal;
mod fault_plan;
mod faults;
mod filling;
mod ledger;
mod order_type;
mod price;
mod retcode;
mod rules;
mod simulator;
mod symbol;
mod volume;

pub use fault_plan::FaultPlan;
pub use faults::{Fault, FaultParseError};
pub use filling::{Filling, SYMBOL_FILLING_FOK, SYMBOL_FILLING_IOC};
pub use ledger::{Ledger, LedgerError};
pub use order_type::OrderType;
pub use retcode::{Retcode, RetcodeClass};
pub use simulator::{SimulatedTerminal, SimulatorOptions, MAX_COMMENT_CHARS};
pub use symbol::{SymbolInfo, TradeMode};

use serde::{Deserialize, Serialize};

/// A trade request, as `mt5.order_send(request)` takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradeRequest {
    /// Symbol to trade, e.g. `EURUSD`.
    pub symbol: String,
    /// Lots.
    pub volume: f64,
    /// Market or pending, buy or sell.
    pub order_type: OrderType,
    /// Price the client agrees to: the current ask/bid for a market order, the trigger for a
    /// pending one.
    pub price: f64,
    /// The limit price a stop-limit order places when its `price` is reached, 0 otherwise
    /// (`ORDER_PRICE_STOPLIMIT`).
    #[serde(default)]
    pub stoplimit: f64,
    /// Stop loss, 0 for none.
    pub sl: f64,
    /// Take profit, 0 for none.
    pub tp: f64,
    /// Largest accepted slippage from `price`, in points.
    pub deviation: u32,
    /// Fill policy; FOK when absent, as in MT5.
    #[serde(default)]
    pub type_filling: Filling,
    /// Expert Advisor id: which program sent the order.
    pub magic: u64,
    /// Free text kept with the order and its deals (at most 31 characters, as in MT5).
    pub comment: String,
}

/// The terminal's answer to `order_send`, like MT5's `OrderSendResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradeResult {
    /// The trade server's verdict.
    pub retcode: Retcode,
    /// Deal ticket, when a deal was made.
    pub deal: u64,
    /// Order ticket, when an order was made.
    pub order: u64,
    /// Lots executed.
    pub volume: f64,
    /// Execution price.
    pub price: f64,
    /// Current bid, sent back with requotes.
    pub bid: f64,
    /// Current ask, sent back with requotes.
    pub ask: f64,
}

/// An executed deal, as `history_deals_get` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    /// Deal ticket.
    pub ticket: u64,
    /// Ticket of the order that made the deal.
    pub order: u64,
    /// Milliseconds since the Unix epoch.
    pub time_msc: u64,
    /// Symbol traded.
    pub symbol: String,
    /// Direction of the order that made the deal.
    pub order_type: OrderType,
    /// Lots.
    pub volume: f64,
    /// Execution price.
    pub price: f64,
    /// The order's magic number.
    pub magic: u64,
    /// The order's comment.
    pub comment: String,
}

/// A pending order, as `orders_get` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Order ticket.
    pub ticket: u64,
    /// Milliseconds since the Unix epoch.
    pub time_setup_msc: u64,
    /// Symbol.
    pub symbol: String,
    /// Pending order type.
    pub order_type: OrderType,
    /// Lots.
    pub volume_initial: f64,
    /// Trigger price.
    pub price_open: f64,
    /// A stop-limit order's limit price, 0 for other orders.
    #[serde(default)]
    pub price_stoplimit: f64,
    /// The order's magic number.
    pub magic: u64,
    /// The order's comment.
    pub comment: String,
}

/// Which deals or orders a history query returns: those matching every field that is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only this magic number.
    pub magic: Option<u64>,
    /// Only this exact comment.
    pub comment: Option<String>,
}

impl HistoryFilter {
    /// Whether a record with this magic number and comment passes the filter.
    pub fn matches(&self, magic: u64, comment: &str) -> bool {
        self.magic.is_none_or(|m| m == magic)
            && self.comment.as_deref().is_none_or(|c| c == comment)
    }
}

/// A call that got no answer from the terminal at all: the MT5 API's `None` plus `last_error()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminalError {
    /// The call timed out inside the terminal: the request may or may not have reached the server.
    #[error("terminal call timed out without a reply")]
    Timeout,
    /// The terminal lost its link to the trade server mid-call.
    #[error("terminal disconnected from the trade server")]
    Disconnected,
    /// The terminal's own storage failed.
    #[error("terminal storage failed: {0}")]
    Storage(String),
}

/// The four MetaTrader 5 calls the gateway needs.
///
/// Calls block, like the MT5 Python API's; the gateway runs them on blocking threads.
pub trait Terminal: Send + Sync {
    /// Sends a trade request to the trade server.
    fn order_send(&self, request: &TradeRequest) -> Result<TradeResult, TerminalError>;

    /// Lists executed deals matching the filter.
    fn history_deals_get(&self, filter: &HistoryFilter) -> Result<Vec<Deal>, TerminalError>;

    /// Lists pending orders matching the filter.
    fn orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError>;

    /// Returns a symbol's trading rules and current prices, `None` for an unknown symbol.
    fn symbol_info(&self, symbol: &str) -> Result<Option<SymbolInfo>, TerminalError>;
}
