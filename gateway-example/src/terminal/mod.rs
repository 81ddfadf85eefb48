//! The MetaTrader 5 terminal as the gateway sees it: a trait shaped like the MT5 Python API.
//!
//! The gateway talks to a [`Terminal`] only through the calls a Python bridge makes
//! (`order_send`, `history_deals_get`, `history_orders_get`, `orders_get`, `positions_get`,
//! `symbol_info`, `account_info`), so a real terminal can replace [`SimulatedTerminal`] without
//! touching the retry or reconciliation code.

mod account;
mod broker;
mod constant;
mod dealing;
mod decimal;
mod exposure;
mod fault_plan;
mod faults;
mod filling;
mod ledger;
mod modification;
mod moment;
mod money;
mod options;
mod order_type;
mod outcome;
mod pending;
mod positions;
mod price;
mod records;
mod request;
mod retcode;
mod rules;
mod sessions;
mod sim_clock;
mod simulator;
mod stop_out;
mod symbol;
mod trade_action;
mod triggers;
mod volume;

pub use fault_plan::FaultPlan;
pub use faults::{Fault, FaultParseError};
pub use filling::{Filling, SYMBOL_FILLING_FOK, SYMBOL_FILLING_IOC};
pub use ledger::{Ledger, LedgerError};
pub use modification::{Modification, ModificationKind};
pub use options::{SimulatorOptions, DEFAULT_BALANCE};
pub use order_type::OrderType;
pub use records::{
    AccountInfo, Deal, DealEntry, DealReason, HistoryFilter, Order, OrderState, Position,
};
pub use request::{TradeRequest, TradeResult};
pub use retcode::{Retcode, RetcodeClass};
pub use sessions::TradeSession;
pub use sim_clock::{Clock, ManualClock, SystemClock};
pub use simulator::{SimulatedTerminal, MAX_COMMENT_CHARS};
pub use symbol::{SymbolInfo, TradeMode};
pub use trade_action::{OrderTime, TradeAction};

/// A call that got no answer from the terminal at all: the MT5 API's `None` plus `last_error()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
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

/// The MetaTrader 5 calls the gateway needs, named and shaped as in the MT5 Python API.
///
/// Calls block, like the MT5 Python API's; the gateway runs them on blocking threads. A real
/// terminal's history can lag its `order_send` answers, and a broker may rewrite comments: the
/// callers of [`Terminal::history_deals_get`] must not read an empty answer as "never happened"
/// too early, nor trust a comment to survive.
pub trait Terminal: Send + Sync {
    /// Sends a trade request to the trade server.
    fn order_send(&self, request: &TradeRequest) -> Result<TradeResult, TerminalError>;

    /// Lists executed deals matching the filter, oldest first.
    fn history_deals_get(&self, filter: &HistoryFilter) -> Result<Vec<Deal>, TerminalError>;

    /// Lists orders that have left the book (filled, cancelled, expired) matching the filter.
    fn history_orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError>;

    /// Lists pending orders on the book matching the filter.
    fn orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError>;

    /// Lists open positions matching the filter.
    fn positions_get(&self, filter: &HistoryFilter) -> Result<Vec<Position>, TerminalError>;

    /// Returns a symbol's trading rules and current prices, `None` for an unknown symbol.
    fn symbol_info(&self, symbol: &str) -> Result<Option<SymbolInfo>, TerminalError>;

    /// Returns the account's balance, equity and margin.
    fn account_info(&self) -> Result<AccountInfo, TerminalError>;
}
