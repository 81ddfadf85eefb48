//! A trade request and the trade server's answer, as `mt5.order_send` takes and returns them.

use serde::{Deserialize, Serialize};

use super::{Filling, OrderTime, OrderType, Retcode, TradeAction};

/// A trade request, as `mt5.order_send(request)` takes it.
///
/// One shape serves every action: `action` says what is asked, and the fields it does not use
/// stay 0 (MT5's own convention).
///
/// | action | uses |
/// |---|---|
/// | `DEAL` | `symbol`, `volume`, `type`, `price`, `deviation`, `type_filling`, `sl`, `tp`; with `position` set it closes (part of) that position |
/// | `PENDING` | the above plus `stoplimit`, `type_time`, `expiration` |
/// | `SLTP` | `position`, `sl`, `tp` |
/// | `MODIFY` | `order`, `price`, `stoplimit`, `sl`, `tp`, `type_time`, `expiration` |
/// | `REMOVE` | `order` |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradeRequest {
    /// What is asked.
    #[serde(default)]
    pub action: TradeAction,
    /// Symbol to trade, e.g. `EURUSD`.
    pub symbol: String,
    /// Lots.
    pub volume: f64,
    /// Market or pending, buy or sell.
    #[serde(rename = "type")]
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
    /// How long a pending order lives; GTC when absent.
    #[serde(default)]
    pub type_time: OrderTime,
    /// When a `SPECIFIED` or `SPECIFIED_DAY` order expires, seconds since the Unix epoch.
    #[serde(default)]
    pub expiration: u64,
    /// Expert Advisor id: which program sent the order.
    pub magic: u64,
    /// Free text kept with the order and its deals (at most 31 characters, as in MT5).
    pub comment: String,
    /// The position a closing deal or an `SLTP` change applies to, 0 otherwise.
    #[serde(default)]
    pub position: u64,
    /// The pending order a `MODIFY` or `REMOVE` applies to, 0 otherwise.
    #[serde(default)]
    pub order: u64,
}

impl TradeRequest {
    /// A request for `action` on `symbol` with every other field at MT5's zero (no volume,
    /// price, stops, deviation, magic or comment; FOK; GTC): fill in what the action uses.
    ///
    /// ```
    /// use gateway_example::terminal::{OrderType, TradeAction, TradeRequest};
    ///
    /// let remove = TradeRequest {
    ///     order: 100000003,
    ///     ..TradeRequest::blank(TradeAction::Remove, "EURUSD", OrderType::BuyLimit)
    /// };
    /// assert_eq!((remove.volume, remove.magic, remove.position), (0.0, 0, 0));
    /// ```
    pub fn blank(action: TradeAction, symbol: &str, order_type: OrderType) -> TradeRequest {
        TradeRequest {
            action,
            symbol: symbol.to_owned(),
            volume: 0.0,
            order_type,
            price: 0.0,
            stoplimit: 0.0,
            sl: 0.0,
            tp: 0.0,
            deviation: 0,
            type_filling: Filling::default(),
            type_time: OrderTime::Gtc,
            expiration: 0,
            magic: 0,
            comment: String::new(),
            position: 0,
            order: 0,
        }
    }
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
