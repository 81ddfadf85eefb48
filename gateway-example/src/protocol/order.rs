//! The `payload` of `ORDER_SEND`: an order as the client asked for it.

use serde::{Deserialize, Serialize};

use super::ProtocolError;
use crate::terminal::{Filling, OrderTime, OrderType, MAX_COMMENT_CHARS};

/// Slippage accepted when the client gives none, in points.
pub const DEFAULT_DEVIATION_POINTS: u32 = 20;

/// An order as the client asked for it: the `payload` of `ORDER_SEND`.
///
/// Any other field is refused (`deny_unknown_fields`): a field the gateway ignored would change
/// what the client meant (a `position` to close would open a new trade instead: closing is
/// `POSITION_CLOSE`).
///
/// ```
/// use gateway_example::protocol::OrderSpec;
///
/// let order: OrderSpec = serde_json::from_str(
///     r#"{"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01, "magic": 7, "comment": "mine"}"#,
/// ).unwrap();
/// assert_eq!((order.deviation, order.magic, order.comment.as_deref()), (20, Some(7), Some("mine")));
/// let close = r#"{"symbol": "EURUSD", "type": "OP_SELL", "volume": 0.01, "position": 5}"#;
/// let error = serde_json::from_str::<OrderSpec>(close).unwrap_err();
/// assert!(error.to_string().contains("unknown field `position`"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderSpec {
    /// Symbol, e.g. `EURUSD`.
    pub symbol: String,
    /// `OP_BUY`, `ORDER_TYPE_SELL_LIMIT`...
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// Lots.
    pub volume: f64,
    /// Trigger price; required for pending orders, ignored for market orders (which take the
    /// current price on each attempt).
    #[serde(default)]
    pub price: Option<f64>,
    /// A stop-limit order's limit price (`ORDER_PRICE_STOPLIMIT`): required for
    /// `ORDER_TYPE_BUY_STOP_LIMIT` and `ORDER_TYPE_SELL_STOP_LIMIT`, refused for other types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stoplimit: Option<f64>,
    /// Stop loss, 0 for none.
    #[serde(default)]
    pub sl: f64,
    /// Take profit, 0 for none.
    #[serde(default)]
    pub tp: f64,
    /// Slippage accepted, in points.
    #[serde(default = "default_deviation")]
    pub deviation: u32,
    /// Fill policy, `ORDER_FILLING_FOK` (0), `ORDER_FILLING_IOC` (1) or `ORDER_FILLING_RETURN`
    /// (2), by number or name; when absent, IOC if the symbol allows it, else FOK, else RETURN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_filling: Option<Filling>,
    /// How long a pending order lives (`ORDER_TIME_GTC` 0 ... `ORDER_TIME_SPECIFIED_DAY` 3, by
    /// number or name); GTC when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_time: Option<OrderTime>,
    /// When an `ORDER_TIME_SPECIFIED` or `_SPECIFIED_DAY` order expires, seconds since the Unix
    /// epoch; required by those two, refused with the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<u64>,
    /// The client's Expert Advisor id, sent as given; the gateway's own
    /// ([`GATEWAY_MAGIC`](crate::execution::GATEWAY_MAGIC)) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub magic: Option<u64>,
    /// The client's comment, sent as given (at most 31 characters, MT5's limit); when absent the
    /// gateway's tag (`wod:` and the `req_id` in base 36) takes its place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

pub(crate) fn default_deviation() -> u32 {
    DEFAULT_DEVIATION_POINTS
}

impl OrderSpec {
    /// A market order with no stops and the default deviation.
    ///
    /// ```
    /// use gateway_example::protocol::OrderSpec;
    /// use gateway_example::terminal::OrderType;
    ///
    /// let buy = OrderSpec::market("EURUSD", OrderType::Buy, 0.01);
    /// assert_eq!((buy.price, buy.sl, buy.tp), (None, 0.0, 0.0));
    /// ```
    pub fn market(symbol: &str, order_type: OrderType, volume: f64) -> OrderSpec {
        OrderSpec {
            symbol: symbol.into(),
            order_type,
            volume,
            price: None,
            stoplimit: None,
            sl: 0.0,
            tp: 0.0,
            deviation: DEFAULT_DEVIATION_POINTS,
            type_filling: None,
            type_time: None,
            expiration: None,
            magic: None,
            comment: None,
        }
    }

    /// The checks that need no symbol rules: a pending order has a positive price, stops are 0 or
    /// positive.
    ///
    /// ```
    /// use gateway_example::protocol::OrderSpec;
    /// use gateway_example::terminal::OrderType;
    ///
    /// assert!(OrderSpec::market("EURUSD", OrderType::Buy, 0.01).validate().is_ok());
    /// assert!(OrderSpec::market("EURUSD", OrderType::BuyLimit, 0.01).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if !self.order_type.is_market() && self.price.is_none_or(|p| p <= 0.0 || !p.is_finite()) {
            return Err(ProtocolError::Invalid(
                "pending orders need a positive `price`".into(),
            ));
        }
        let stoplimit_is_valid = match self.stoplimit {
            None => !self.order_type.is_stop_limit(),
            Some(limit) => self.order_type.is_stop_limit() && limit > 0.0 && limit.is_finite(),
        };
        if !stoplimit_is_valid {
            return Err(ProtocolError::Invalid(
                "stop-limit orders need a positive `stoplimit`, and other orders take none".into(),
            ));
        }
        let stop_is_valid = |stop: f64| stop >= 0.0 && stop.is_finite();
        if !stop_is_valid(self.sl) || !stop_is_valid(self.tp) {
            return Err(ProtocolError::Invalid(
                "`sl` and `tp` must be 0 or positive".into(),
            ));
        }
        validate_expiry(self.type_time, self.expiration)?;
        validate_comment(self.comment.as_deref())
    }
}

/// `expiration` goes with `ORDER_TIME_SPECIFIED` and `_SPECIFIED_DAY`, and only with them.
pub(crate) fn validate_expiry(
    type_time: Option<OrderTime>,
    expiration: Option<u64>,
) -> Result<(), ProtocolError> {
    let needs_expiration = matches!(
        type_time,
        Some(OrderTime::Specified | OrderTime::SpecifiedDay)
    );
    match (needs_expiration, expiration) {
        (true, Some(seconds)) if seconds > 0 => Ok(()),
        (false, None) => Ok(()),
        _ => Err(ProtocolError::Invalid(
            "`expiration` (unix seconds, positive) is required with `type_time` ORDER_TIME_SPECIFIED or ORDER_TIME_SPECIFIED_DAY and refused otherwise".into(),
        )),
    }
}

/// A comment fits MT5's 31 characters: the terminal would cut a longer one, and the client's
/// comment is kept as given or refused, never changed.
pub(crate) fn validate_comment(comment: Option<&str>) -> Result<(), ProtocolError> {
    match comment {
        Some(text) if text.chars().count() > MAX_COMMENT_CHARS => {
            Err(ProtocolError::Invalid(format!(
                "`comment` has {} characters; MT5 keeps at most {MAX_COMMENT_CHARS}",
                text.chars().count()
            )))
        }
        _ => Ok(()),
    }
}
