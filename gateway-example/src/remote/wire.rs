//! The terminal link's frames: one JSON call per frame, one JSON reply per call, matched by id.
//!
//! A call names one [`Terminal`](crate::terminal::Terminal) method and carries its arguments,
//! so adding a method to the trait is one variant here and one line on each side. The reply
//! carries the call's id and the method's `Result`, the error being the terminal's own
//! [`TerminalError`] or a [`WireError`] the link itself raised.

use serde::{Deserialize, Serialize};

use crate::terminal::{
    Deal, HistoryFilter, Modification, Order, Position, SimulatedTerminal, TerminalError,
    TradeRequest,
};

/// One call to the terminal, by the MetaTrader5 Python package's name for it.
///
/// ```
/// use gateway_example::remote::Call;
///
/// let call: Call = serde_json::from_str(r#"{"symbol_info": "EURUSD"}"#).unwrap();
/// assert_eq!(call, Call::SymbolInfo("EURUSD".into()));
/// assert_eq!(serde_json::to_string(&Call::AccountInfo).unwrap(), r#""account_info""#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Call {
    /// `order_send(request)`.
    OrderSend(TradeRequest),
    /// `history_deals_get(filter)`.
    HistoryDealsGet(HistoryFilter),
    /// `history_orders_get(filter)`.
    HistoryOrdersGet(HistoryFilter),
    /// `orders_get(filter)`.
    OrdersGet(HistoryFilter),
    /// `positions_get(filter)`.
    PositionsGet(HistoryFilter),
    /// `symbol_info(symbol)`.
    SymbolInfo(String),
    /// `account_info()`.
    AccountInfo,
    /// Not a trading call: the auditor's fault-free view of the whole books (an [`AuditView`]),
    /// for the demo's audit and the tests. A real terminal has no such call.
    Audit,
}

impl Call {
    /// The method's name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Call::OrderSend(_) => "order_send",
            Call::HistoryDealsGet(_) => "history_deals_get",
            Call::HistoryOrdersGet(_) => "history_orders_get",
            Call::OrdersGet(_) => "orders_get",
            Call::PositionsGet(_) => "positions_get",
            Call::SymbolInfo(_) => "symbol_info",
            Call::AccountInfo => "account_info",
            Call::Audit => "audit",
        }
    }
}

/// A call as it travels: its id, the caller's deadline, and the call.
///
/// The terminal does not start a call whose deadline has passed: its caller has already given
/// up on it and reported a timeout, and a late execution would be an order nobody waits for.
///
/// ```
/// use gateway_example::remote::{Call, CallFrame};
///
/// let frame = CallFrame { id: 7, deadline_ms: 1_700_000_000_000, call: Call::AccountInfo };
/// let text = serde_json::to_string(&frame).unwrap();
/// assert_eq!(text, r#"{"id":7,"deadline_ms":1700000000000,"call":"account_info"}"#);
/// assert_eq!(serde_json::from_str::<CallFrame>(&text).unwrap(), frame);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallFrame {
    /// Chosen by the caller, unique among its calls in flight; the reply carries it back.
    pub id: u64,
    /// The caller gives up at this time, in milliseconds since the Unix epoch.
    pub deadline_ms: u64,
    /// What is asked.
    pub call: Call,
}

/// The answer to one call: the method's return value as JSON, or why there is none.
///
/// ```
/// use gateway_example::remote::{ReplyFrame, WireError};
/// use gateway_example::terminal::TerminalError;
///
/// let reply = ReplyFrame { id: Some(7), result: Err(WireError::Terminal(TerminalError::Timeout)) };
/// let text = serde_json::to_string(&reply).unwrap();
/// assert_eq!(text, r#"{"id":7,"result":{"Err":{"terminal":"Timeout"}}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyFrame {
    /// The call's id; `None` when the frame was too broken to read one.
    pub id: Option<u64>,
    /// The method's `Ok` value, or its error.
    pub result: Result<serde_json::Value, WireError>,
}

/// Why a call has no `Ok` answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WireError {
    /// The terminal ran the call and it failed.
    #[error(transparent)]
    Terminal(TerminalError),
    /// The frame was not a call this terminal knows; nothing was run.
    #[error("bad call frame: {0}")]
    BadFrame(String),
    /// The call arrived after its deadline; nothing was run.
    #[error("the call arrived after its caller's deadline and was not run")]
    Expired,
    /// The terminal has too many calls in flight; nothing was run.
    #[error("the terminal has {0} calls in flight, the most it runs at once; nothing was run")]
    Busy(usize),
}

/// Everything on the books, fault-free and without history lag: the answer to [`Call::Audit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    /// Every deal.
    pub deals: Vec<Deal>,
    /// Every pending order on the book.
    pub orders: Vec<Order>,
    /// Every order that left the book: filled, cancelled or expired.
    pub history_orders: Vec<Order>,
    /// Every open position.
    pub positions: Vec<Position>,
    /// Every `SLTP`, `MODIFY` and `REMOVE` applied, in order.
    pub modifications: Vec<Modification>,
    /// How many `order_send` calls drew a fault (latency included).
    pub faults_injected: u64,
}

impl AuditView {
    /// The auditor's view of a simulator's books.
    ///
    /// ```
    /// use gateway_example::remote::AuditView;
    /// use gateway_example::terminal::{SimulatedTerminal, SimulatorOptions};
    ///
    /// let terminal = SimulatedTerminal::open(&SimulatorOptions::default()).unwrap();
    /// let view = AuditView::of(&terminal);
    /// assert!(view.deals.is_empty() && view.modifications.is_empty());
    /// ```
    pub fn of(terminal: &SimulatedTerminal) -> AuditView {
        AuditView {
            deals: terminal.audit_deals(),
            orders: terminal.audit_orders(),
            history_orders: terminal.audit_history_orders(),
            positions: terminal.audit_positions(),
            modifications: terminal.audit_modifications(),
            faults_injected: terminal.faults_injected(),
        }
    }
}

/// Reads a call frame; a frame that is not one gets the reply to send back instead.
///
/// ```
/// use gateway_example::remote::{read_call, WireError};
///
/// let refused = read_call(br#"{"id": 3, "deadline_ms": 0, "call": "meteor"}"#).unwrap_err();
/// assert_eq!(refused.id, Some(3));
/// assert!(matches!(refused.result, Err(WireError::BadFrame(_))));
/// assert_eq!(read_call(b"\xff").unwrap_err().id, None);
/// ```
pub fn read_call(frame: &[u8]) -> Result<CallFrame, ReplyFrame> {
    serde_json::from_slice(frame).map_err(|error| {
        // Echo the id if the frame has a readable one, so its caller is answered at once.
        let id = serde_json::from_slice::<serde_json::Value>(frame)
            .ok()
            .and_then(|value| value.get("id").and_then(serde_json::Value::as_u64));
        ReplyFrame {
            id,
            result: Err(WireError::BadFrame(error.to_string())),
        }
    })
}

/// A reply as bytes.
pub fn write_reply(reply: &ReplyFrame) -> Vec<u8> {
    // Values built by serde_json itself (maps with string keys) always serialize.
    serde_json::to_vec(reply).expect("reply frames serialize")
}
