//! The four kinds of intent the gateway executes exactly once, and the key that serialises
//! intents whose outcomes could be mistaken for one another.

use serde::{Deserialize, Serialize};

use super::tag::GATEWAY_MAGIC;
use crate::protocol::{CancelSpec, CloseSpec, ModifySpec, OrderSpec};

/// A mutating request as the journal keeps it: what the client asked, by kind.
///
/// ```
/// use gateway_example::execution::TradeIntent;
/// use gateway_example::protocol::CancelSpec;
///
/// let cancel = TradeIntent::Cancel(CancelSpec { order: 7 });
/// let json = serde_json::to_string(&cancel)?;
/// assert_eq!(json, r#"{"kind":"cancel","spec":{"order":7}}"#);
/// assert_eq!(serde_json::from_str::<TradeIntent>(&json)?, cancel);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "spec", rename_all = "snake_case")]
pub enum TradeIntent {
    /// `ORDER_SEND`: open a position or place a pending order.
    Open(OrderSpec),
    /// `POSITION_CLOSE`: close all or part of a position.
    Close(CloseSpec),
    /// `ORDER_MODIFY`: new SL/TP of a position, or new price/stops/expiry of a pending order.
    Modify(ModifySpec),
    /// `ORDER_CANCEL`: delete a pending order.
    Cancel(CancelSpec),
}

/// What two intents must not have in flight at once, because the reconciliation of one could
/// take the other's outcome for its own.
///
/// ```
/// use gateway_example::execution::{IntentKey, TradeIntent, GATEWAY_MAGIC};
/// use gateway_example::protocol::{CloseSpec, OrderSpec};
/// use gateway_example::terminal::OrderType;
///
/// let open = TradeIntent::Open(OrderSpec::market("EURUSD", OrderType::Buy, 0.01));
/// assert_eq!(open.key(), IntentKey::Opening { magic: GATEWAY_MAGIC, symbol: "EURUSD".into() });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IntentKey {
    /// Opens with one magic number on one symbol: an ambiguous open is found by these.
    Opening {
        /// The magic number sent.
        magic: u64,
        /// The symbol.
        symbol: String,
    },
    /// Closes and SL/TP changes of one position.
    Position(u64),
    /// Modifications and cancels of one pending order.
    Order(u64),
}

impl std::fmt::Display for IntentKey {
    /// The key as the journal stores it: `open:<magic>:<symbol>`, `position:<ticket>` or
    /// `order:<ticket>`.
    ///
    /// ```
    /// use gateway_example::execution::IntentKey;
    ///
    /// assert_eq!(IntentKey::Position(7).to_string(), "position:7");
    /// let open = IntentKey::Opening { magic: 42, symbol: "EURUSD".into() };
    /// assert_eq!(open.to_string(), "open:42:EURUSD");
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntentKey::Opening { magic, symbol } => write!(f, "open:{magic}:{symbol}"),
            IntentKey::Position(ticket) => write!(f, "position:{ticket}"),
            IntentKey::Order(ticket) => write!(f, "order:{ticket}"),
        }
    }
}

impl TradeIntent {
    /// The key this intent holds from its journal entry until it is settled.
    pub fn key(&self) -> IntentKey {
        match self {
            TradeIntent::Open(order) => IntentKey::Opening {
                magic: order.magic.unwrap_or(GATEWAY_MAGIC),
                symbol: order.symbol.clone(),
            },
            TradeIntent::Close(close) => IntentKey::Position(close.position),
            TradeIntent::Modify(ModifySpec::Position { position, .. }) => {
                IntentKey::Position(*position)
            }
            TradeIntent::Modify(ModifySpec::Order { order, .. }) => IntentKey::Order(*order),
            TradeIntent::Cancel(cancel) => IntentKey::Order(cancel.order),
        }
    }
}
