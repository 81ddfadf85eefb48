//! What the terminal's books hold, as the MT5 Python API lists them: deals, orders, positions
//! and the account, and the filter that selects them.

use serde::{Deserialize, Serialize};

use super::constant::{self, Constant};
use super::{OrderTime, OrderType};

/// Whether a deal opened or closed a position (`ENUM_DEAL_ENTRY`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DealEntry {
    /// Opened a position.
    #[default]
    In,
    /// Closed (part of) a position.
    Out,
}

/// Who or what made a deal (`ENUM_DEAL_REASON`, the values the simulator makes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DealReason {
    /// A trader at the desktop terminal.
    Client,
    /// A program: an Expert Advisor or a bridge like this gateway.
    #[default]
    Expert,
    /// The position's stop loss triggered.
    Sl,
    /// The position's take profit triggered.
    Tp,
    /// The broker closed it for lack of margin (stop out).
    So,
}

/// Where an order stands (`ENUM_ORDER_STATE`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum OrderState {
    /// On the book, waiting for its price.
    #[default]
    Placed,
    /// Deleted by its owner.
    Canceled,
    /// Executed in full.
    Filled,
    /// Removed by the server when its time ran out.
    Expired,
}

impl Constant for DealEntry {
    const WHAT: &'static str = "deal entry";
    const ALL: &'static [DealEntry] = &[DealEntry::In, DealEntry::Out];

    fn code(self) -> u32 {
        self as u32
    }

    fn name(self) -> &'static str {
        match self {
            DealEntry::In => "DEAL_ENTRY_IN",
            DealEntry::Out => "DEAL_ENTRY_OUT",
        }
    }
}

impl Constant for DealReason {
    const WHAT: &'static str = "deal reason";
    const ALL: &'static [DealReason] = &[
        DealReason::Client,
        DealReason::Expert,
        DealReason::Sl,
        DealReason::Tp,
        DealReason::So,
    ];

    fn code(self) -> u32 {
        match self {
            DealReason::Client => 0,
            DealReason::Expert => 3,
            DealReason::Sl => 4,
            DealReason::Tp => 5,
            DealReason::So => 6,
        }
    }

    fn name(self) -> &'static str {
        match self {
            DealReason::Client => "DEAL_REASON_CLIENT",
            DealReason::Expert => "DEAL_REASON_EXPERT",
            DealReason::Sl => "DEAL_REASON_SL",
            DealReason::Tp => "DEAL_REASON_TP",
            DealReason::So => "DEAL_REASON_SO",
        }
    }
}

impl Constant for OrderState {
    const WHAT: &'static str = "order state";
    const ALL: &'static [OrderState] = &[
        OrderState::Placed,
        OrderState::Canceled,
        OrderState::Filled,
        OrderState::Expired,
    ];

    fn code(self) -> u32 {
        match self {
            OrderState::Placed => 1,
            OrderState::Canceled => 2,
            OrderState::Filled => 4,
            OrderState::Expired => 6,
        }
    }

    fn name(self) -> &'static str {
        match self {
            OrderState::Placed => "ORDER_STATE_PLACED",
            OrderState::Canceled => "ORDER_STATE_CANCELED",
            OrderState::Filled => "ORDER_STATE_FILLED",
            OrderState::Expired => "ORDER_STATE_EXPIRED",
        }
    }
}

constant::serde_by_name!(DealEntry, DealReason, OrderState);

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
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// Whether it opened or closed a position.
    #[serde(default)]
    pub entry: DealEntry,
    /// The position it opened or closed (`DEAL_POSITION_ID`).
    #[serde(default)]
    pub position_id: u64,
    /// Who or what made it.
    #[serde(default)]
    pub reason: DealReason,
    /// Lots.
    pub volume: f64,
    /// Execution price.
    pub price: f64,
    /// Profit a closing deal realised, in the account's currency; 0 for an opening one.
    #[serde(default)]
    pub profit: f64,
    /// The order's magic number.
    pub magic: u64,
    /// The order's comment.
    pub comment: String,
}

/// An order, as `orders_get` (on the book) or `history_orders_get` (done) lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Order ticket.
    pub ticket: u64,
    /// Milliseconds since the Unix epoch.
    pub time_setup_msc: u64,
    /// When it left the book, 0 while it is on it.
    #[serde(default)]
    pub time_done_msc: u64,
    /// Symbol.
    pub symbol: String,
    /// Order type.
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// On the book, or how it left it.
    #[serde(default)]
    pub state: OrderState,
    /// Lots.
    pub volume_initial: f64,
    /// Trigger price.
    pub price_open: f64,
    /// A stop-limit order's limit price, 0 for other orders.
    #[serde(default)]
    pub price_stoplimit: f64,
    /// Stop loss the resulting position gets, 0 for none.
    #[serde(default)]
    pub sl: f64,
    /// Take profit the resulting position gets, 0 for none.
    #[serde(default)]
    pub tp: f64,
    /// How long it lives.
    #[serde(default)]
    pub type_time: OrderTime,
    /// When it expires, seconds since the Unix epoch, 0 for never.
    #[serde(default)]
    pub expiration: u64,
    /// The position it opened or closed, once filled.
    #[serde(default)]
    pub position_id: u64,
    /// The order's magic number.
    pub magic: u64,
    /// The order's comment.
    pub comment: String,
}

/// An open position, as `positions_get` lists it (a hedging account: one position per opening
/// deal, its ticket the opening order's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Position ticket (`POSITION_TICKET`, equal to `POSITION_IDENTIFIER` here).
    pub ticket: u64,
    /// When it was opened, ms since the Unix epoch.
    pub time_msc: u64,
    /// When it last changed (volume, SL or TP), ms since the Unix epoch.
    pub time_update_msc: u64,
    /// Symbol.
    pub symbol: String,
    /// `ORDER_TYPE_BUY` (0) or `ORDER_TYPE_SELL` (1): `POSITION_TYPE_BUY` and `_SELL` share
    /// the numbers.
    #[serde(rename = "type")]
    pub position_type: OrderType,
    /// Lots still open.
    pub volume: f64,
    /// Average opening price.
    pub price_open: f64,
    /// Stop loss, 0 for none.
    pub sl: f64,
    /// Take profit, 0 for none.
    pub tp: f64,
    /// The price it would close at now.
    pub price_current: f64,
    /// Floating profit at `price_current`, in the account's currency.
    pub profit: f64,
    /// The opening order's magic number.
    pub magic: u64,
    /// The opening order's comment.
    pub comment: String,
}

/// The trading account, as `account_info` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// Account number.
    pub login: u64,
    /// Deposit currency.
    pub currency: String,
    /// Leverage, e.g. 100 for 1:100.
    pub leverage: u32,
    /// Money without the open positions' floating profit.
    pub balance: f64,
    /// Balance plus floating profit.
    pub equity: f64,
    /// Margin the open positions hold (pending orders hold none).
    pub margin: f64,
    /// Equity minus margin: what new positions may use.
    pub margin_free: f64,
    /// Equity ÷ margin in percent, 0 with no margin in use.
    pub margin_level: f64,
    /// Floating profit of the open positions.
    pub profit: f64,
}

/// Which records a query returns: those matching every field that is set.
///
/// `ticket` is the record's own ticket; `order` a deal's order; `position` a deal's position
/// or a position's ticket; `since_msc` keeps records made at or after that time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryFilter {
    /// Only this magic number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub magic: Option<u64>,
    /// Only this exact comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Only this symbol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Only the record with this ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<u64>,
    /// Only deals made by this order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<u64>,
    /// Only records of this position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    /// Only records made at or after this time, ms since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_msc: Option<u64>,
}

/// The fields a filter looks at, whatever the record.
struct Keys<'a> {
    ticket: u64,
    order: u64,
    position: u64,
    time_msc: u64,
    symbol: &'a str,
    magic: u64,
    comment: &'a str,
}

impl HistoryFilter {
    /// Whether a deal passes the filter.
    ///
    /// ```
    /// use gateway_example::terminal::HistoryFilter;
    ///
    /// let filter = HistoryFilter { magic: Some(7), ..HistoryFilter::default() };
    /// assert_eq!(filter, serde_json::from_str(r#"{"magic": 7}"#).unwrap());
    /// ```
    pub fn matches_deal(&self, deal: &Deal) -> bool {
        self.matches(Keys {
            ticket: deal.ticket,
            order: deal.order,
            position: deal.position_id,
            time_msc: deal.time_msc,
            symbol: &deal.symbol,
            magic: deal.magic,
            comment: &deal.comment,
        })
    }

    /// Whether an order passes the filter.
    pub fn matches_order(&self, order: &Order) -> bool {
        self.matches(Keys {
            ticket: order.ticket,
            order: order.ticket,
            position: order.position_id,
            time_msc: order.time_setup_msc,
            symbol: &order.symbol,
            magic: order.magic,
            comment: &order.comment,
        })
    }

    /// Whether a position passes the filter.
    pub fn matches_position(&self, position: &Position) -> bool {
        self.matches(Keys {
            ticket: position.ticket,
            order: position.ticket,
            position: position.ticket,
            time_msc: position.time_msc,
            symbol: &position.symbol,
            magic: position.magic,
            comment: &position.comment,
        })
    }

    fn matches(&self, keys: Keys<'_>) -> bool {
        self.magic.is_none_or(|m| m == keys.magic)
            && self.comment.as_deref().is_none_or(|c| c == keys.comment)
            && self.symbol.as_deref().is_none_or(|s| s == keys.symbol)
            && self.ticket.is_none_or(|t| t == keys.ticket)
            && self.order.is_none_or(|o| o == keys.order)
            && self.position.is_none_or(|p| p == keys.position)
            && self.since_msc.is_none_or(|t| keys.time_msc >= t)
    }
}
