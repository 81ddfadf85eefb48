//! Reading a request frame into a typed [`Request`], rejecting every malformed input with the
//! error code the client needs.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::ProtocolError;
use crate::terminal::OrderType;

/// Slippage accepted when the client gives none, in points.
pub const DEFAULT_DEVIATION_POINTS: u32 = 20;

/// A parsed request.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Liveness check.
    Ping {
        /// Request id.
        req_id: Uuid,
    },
    /// Place an order, at most once per `req_id`.
    OrderSend {
        /// Request id, the order's idempotency key.
        req_id: Uuid,
        /// The order.
        order: OrderSpec,
    },
    /// What happened to an earlier order.
    OrderStatus {
        /// Request id of this query.
        req_id: Uuid,
        /// `req_id` of the order asked about.
        order_req_id: Uuid,
    },
    /// A symbol's rules and quote.
    SymbolInfo {
        /// Request id.
        req_id: Uuid,
        /// Symbol asked about.
        symbol: String,
    },
}

impl Request {
    /// The request's id.
    pub fn req_id(&self) -> Uuid {
        match self {
            Request::Ping { req_id }
            | Request::OrderSend { req_id, .. }
            | Request::OrderStatus { req_id, .. }
            | Request::SymbolInfo { req_id, .. } => *req_id,
        }
    }
}

/// An order as the client asked for it: the `payload` of `ORDER_SEND`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Stop loss, 0 for none.
    #[serde(default)]
    pub sl: f64,
    /// Take profit, 0 for none.
    #[serde(default)]
    pub tp: f64,
    /// Slippage accepted, in points.
    #[serde(default = "default_deviation")]
    pub deviation: u32,
}

fn default_deviation() -> u32 {
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
            sl: 0.0,
            tp: 0.0,
            deviation: DEFAULT_DEVIATION_POINTS,
        }
    }
}

#[derive(Deserialize)]
struct StatusPayload {
    req_id: String,
}

#[derive(Deserialize)]
struct SymbolPayload {
    symbol: String,
}

/// Parses one request frame. The `req_id` of a request that fails later checks is returned with
/// the error so the reply can carry it.
///
/// ```
/// use gateway_example::protocol::{parse_request, ErrorCode, Request};
///
/// let frame = br#"{"action": "ORDER_SEND", "req_id": "550e8400-e29b-41d4-a716-446655440000",
///                  "payload": {"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}}"#;
/// assert!(matches!(parse_request(frame), Ok(Request::OrderSend { .. })));
///
/// let (_, error) = parse_request(b"{not json").unwrap_err();
/// assert_eq!(error.code(), ErrorCode::BAD_JSON);
/// ```
pub fn parse_request(frame: &[u8]) -> Result<Request, (Option<Uuid>, ProtocolError)> {
    let text =
        std::str::from_utf8(frame).map_err(|e| (None, ProtocolError::BadJson(e.to_string())))?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| (None, ProtocolError::BadJson(e.to_string())))?;
    let Value::Object(mut object) = value else {
        return Err((
            None,
            ProtocolError::Invalid("request must be a JSON object".into()),
        ));
    };
    let req_id = match object.get("req_id") {
        Some(Value::String(s)) => {
            Uuid::parse_str(s).map_err(|e| (None, ProtocolError::BadReqId(e.to_string())))?
        }
        Some(other) => {
            return Err((None, ProtocolError::BadReqId(format!("got {other}"))));
        }
        None => return Err((None, ProtocolError::BadReqId("missing".into()))),
    };
    let fail = |e: ProtocolError| (Some(req_id), e);
    let action = match object.get("action") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(fail(ProtocolError::Invalid(
                "action must be a string".into(),
            )))
        }
        None => return Err(fail(ProtocolError::Invalid("action is missing".into()))),
    };
    let payload = object.remove("payload").unwrap_or(Value::Null);
    let typed = |what: &str| {
        let what = what.to_owned();
        move |e: serde_json::Error| fail(ProtocolError::Invalid(format!("{what}: {e}")))
    };
    match action.as_str() {
        "PING" => Ok(Request::Ping { req_id }),
        "ORDER_SEND" => {
            let order: OrderSpec =
                serde_json::from_value(payload).map_err(typed("ORDER_SEND payload"))?;
            if !order.order_type.is_market() && order.price.is_none_or(|p| p <= 0.0) {
                return Err(fail(ProtocolError::Invalid(
                    "pending orders need a positive `price`".into(),
                )));
            }
            if order.sl < 0.0 || order.tp < 0.0 || !order.sl.is_finite() || !order.tp.is_finite() {
                return Err(fail(ProtocolError::Invalid(
                    "sl and tp must be 0 or positive".into(),
                )));
            }
            Ok(Request::OrderSend { req_id, order })
        }
        "ORDER_STATUS" => {
            let status: StatusPayload =
                serde_json::from_value(payload).map_err(typed("ORDER_STATUS payload"))?;
            let order_req_id = Uuid::parse_str(&status.req_id)
                .map_err(|e| fail(ProtocolError::BadReqId(format!("payload.req_id: {e}"))))?;
            Ok(Request::OrderStatus {
                req_id,
                order_req_id,
            })
        }
        "SYMBOL_INFO" => {
            let symbol: SymbolPayload =
                serde_json::from_value(payload).map_err(typed("SYMBOL_INFO payload"))?;
            Ok(Request::SymbolInfo {
                req_id,
                symbol: symbol.symbol,
            })
        }
        other => Err(fail(ProtocolError::UnknownAction(other.to_owned()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ErrorCode;

    const ID: &str = "550e8400-e29b-41d4-a716-446655440000";

    fn code(frame: &str) -> ErrorCode {
        parse_request(frame.as_bytes()).unwrap_err().1.code()
    }

    #[test]
    fn the_seed_request_parses() {
        let frame = format!(
            r#"{{"action":"ORDER_SEND","req_id":"{ID}","payload":{{"symbol":"EURUSD","type":"OP_BUY","volume":0.01}}}}"#
        );
        let Request::OrderSend { req_id, order } = parse_request(frame.as_bytes()).unwrap() else {
            panic!("not an order");
        };
        assert_eq!(req_id.to_string(), ID);
        assert_eq!(order.order_type, OrderType::Buy);
        assert_eq!(order.volume, 0.01);
        assert_eq!(order.deviation, DEFAULT_DEVIATION_POINTS);
    }

    #[test]
    fn malformed_requests_get_the_right_code() {
        assert_eq!(code("not json"), ErrorCode::BAD_JSON);
        assert_eq!(code("[1,2]"), ErrorCode::INVALID_REQUEST);
        assert_eq!(code(r#"{"action":"PING"}"#), ErrorCode::INVALID_REQ_ID);
        assert_eq!(
            code(r#"{"action":"PING","req_id":"nope"}"#),
            ErrorCode::INVALID_REQ_ID
        );
        assert_eq!(
            code(r#"{"action":"PING","req_id":7}"#),
            ErrorCode::INVALID_REQ_ID
        );
        let with = |rest: &str| format!(r#"{{"req_id":"{ID}",{rest}}}"#);
        assert_eq!(code(&with(r#""action":"FLY""#)), ErrorCode::UNKNOWN_ACTION);
        assert_eq!(code(&with(r#""action":5"#)), ErrorCode::INVALID_REQUEST);
        assert_eq!(
            code(&with(
                r#""action":"ORDER_SEND","payload":{"symbol":"EURUSD","type":"OP_BUY","volume":"1"}"#
            )),
            ErrorCode::INVALID_REQUEST
        );
        assert_eq!(
            code(&with(
                r#""action":"ORDER_SEND","payload":{"symbol":"EURUSD","type":"OP_HOLD","volume":1}"#
            )),
            ErrorCode::INVALID_REQUEST
        );
        assert_eq!(
            code(&with(
                r#""action":"ORDER_SEND","payload":{"symbol":"EURUSD","type":"OP_BUYLIMIT","volume":1}"#
            )),
            ErrorCode::INVALID_REQUEST
        );
        let bad_utf8 = parse_request(&[0xff, 0xfe]).unwrap_err();
        assert_eq!(bad_utf8.1.code(), ErrorCode::BAD_JSON);
    }

    #[test]
    fn later_errors_keep_the_req_id() {
        let frame = format!(r#"{{"req_id":"{ID}","action":"NOPE"}}"#);
        let (req_id, _) = parse_request(frame.as_bytes()).unwrap_err();
        assert_eq!(req_id.unwrap().to_string(), ID);
    }
}
