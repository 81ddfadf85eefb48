//! Reading a request frame into a typed [`Request`], rejecting every malformed input with the
//! error code the client needs.
//!
//! A frame is a JSON object with exactly the fields `req_id`, `action` and `payload`; an action
//! that takes no arguments takes the payload absent, `null` or `{}`, the three ways JSON clients
//! spell "nothing". `req_id` is read first, so that any later refusal can carry it; `action` and `payload`
//! are then read into [`Action`], a serde-tagged enum with one variant per action and
//! `deny_unknown_fields` at every level: a field the gateway does not support is refused by
//! name, never ignored.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{CancelSpec, CloseSpec, ListQuery, ModifySpec, OrderSpec, ProtocolError, ReqId};

/// The fields of a request besides `req_id`: the tag and the content of [`Action`] (a test checks
/// that they match its serde attributes).
const ACTION_FIELDS: [&str; 2] = ["action", "payload"];

/// What a request asks for: the `action` and its `payload`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "action",
    content = "payload",
    rename_all = "SCREAMING_SNAKE_CASE",
    deny_unknown_fields
)]
pub enum Action {
    /// Liveness check; no payload.
    Ping,
    /// Place an order, at most once per `req_id`.
    OrderSend(OrderSpec),
    /// Close all or part of a position, at most once per `req_id`.
    PositionClose(CloseSpec),
    /// Change a position's SL/TP or a pending order's price, stops and expiry, at most once per
    /// `req_id`.
    OrderModify(ModifySpec),
    /// Delete a pending order, at most once per `req_id`.
    OrderCancel(CancelSpec),
    /// What happened to an earlier request of any of the four kinds above.
    OrderStatus(StatusQuery),
    /// A symbol's rules and quote.
    SymbolInfo(SymbolQuery),
    /// Open positions, of one symbol or all; the payload is optional.
    Positions(Option<ListQuery>),
    /// Pending orders on the book, of one symbol or all; the payload is optional.
    Orders(Option<ListQuery>),
    /// The account's balance, equity and margin; no payload.
    AccountInfo,
    /// The gateway's counters and every retry site's; no payload.
    Stats,
}

/// The `payload` of `ORDER_STATUS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    /// `req_id` of the order asked about.
    pub req_id: Uuid,
}

/// The `payload` of `SYMBOL_INFO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymbolQuery {
    /// Symbol asked about.
    pub symbol: String,
}

/// A parsed request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Request id; for `ORDER_SEND`, its UUID is the order's idempotency key.
    pub req_id: ReqId,
    /// What is asked.
    pub action: Action,
}

/// Parses one request frame. The `req_id` of a request that fails later checks is returned with
/// the error so the reply can carry it.
///
/// ```
/// use gateway_example::protocol::{parse_request, Action, ErrorCode};
///
/// let frame = br#"{"action": "ORDER_SEND", "req_id": "550e8400-e29b-41d4-a716-446655440000",
///                  "payload": {"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}}"#;
/// assert!(matches!(parse_request(frame).unwrap().action, Action::OrderSend(_)));
///
/// let (_, error) = parse_request(b"{not json").unwrap_err();
/// assert_eq!(error.code(), ErrorCode::BadJson);
/// ```
pub fn parse_request(frame: &[u8]) -> Result<Request, (Option<ReqId>, ProtocolError)> {
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
    let req_id = take_req_id(&mut object).map_err(|e| (None, e))?;
    let action = checked_action(object).map_err(|e| (Some(req_id.clone()), e))?;
    Ok(Request { req_id, action })
}

/// The `req_id` of a frame, if it has one that can be read, without checking the rest: for the
/// refusals made before the request is read (`busy`, `unauthorized`), so that they carry it too.
///
/// ```
/// use gateway_example::protocol::peek_req_id;
///
/// let frame = br#"{"action": "NOT_YET_READ", "req_id": "550E8400-E29B-41D4-A716-446655440000"}"#;
/// let req_id = peek_req_id(frame).unwrap();
/// assert_eq!(req_id.as_str(), "550E8400-E29B-41D4-A716-446655440000");
/// assert_eq!(peek_req_id(br#"{"req_id": "nope"}"#), None);
/// assert_eq!(peek_req_id(b"not json"), None);
/// ```
pub fn peek_req_id(frame: &[u8]) -> Option<ReqId> {
    /// A frame's `req_id`; the other fields are skipped, not checked.
    #[derive(Deserialize)]
    struct Head {
        req_id: Option<ReqId>,
    }
    serde_json::from_slice::<Head>(frame).ok()?.req_id
}

impl Action {
    /// The action named `name` with `payload`, refused exactly as in a request frame: what
    /// `send --action NAME --payload JSON` sends.
    ///
    /// ```
    /// use gateway_example::protocol::Action;
    /// use serde_json::json;
    ///
    /// let close = Action::parse("POSITION_CLOSE", Some(json!({"position": 100000002})));
    /// assert!(matches!(close, Ok(Action::PositionClose(_))));
    /// assert_eq!(Action::parse("ACCOUNT_INFO", None), Ok(Action::AccountInfo));
    /// let typo = Action::parse("POSITION_CLOSE", Some(json!({"ticket": 1}))).unwrap_err();
    /// assert!(typo.to_string().contains("unknown field `ticket`"), "{typo}");
    /// ```
    pub fn parse(name: &str, payload: Option<Value>) -> Result<Action, ProtocolError> {
        let mut rest = Map::new();
        rest.insert(ACTION_FIELDS[0].to_owned(), Value::String(name.to_owned()));
        if let Some(payload) = payload {
            rest.insert(ACTION_FIELDS[1].to_owned(), payload);
        }
        checked_action(rest)
    }
}

/// [`read_action`], then the checks of the payload that need no terminal.
fn checked_action(rest: Map<String, Value>) -> Result<Action, ProtocolError> {
    let action = read_action(rest)?;
    match &action {
        Action::OrderSend(order) => order.validate(),
        Action::PositionClose(close) => close.validate(),
        Action::OrderCancel(cancel) => cancel.validate(),
        _ => Ok(()),
    }?;
    Ok(action)
}

fn take_req_id(object: &mut Map<String, Value>) -> Result<ReqId, ProtocolError> {
    match object.remove("req_id") {
        Some(Value::String(text)) => text
            .parse()
            .map_err(|e: uuid::Error| ProtocolError::BadReqId(e.to_string())),
        Some(other) => Err(ProtocolError::BadReqId(format!("got {other}"))),
        None => Err(ProtocolError::BadReqId("missing".into())),
    }
}

/// `action` and `payload` (what is left of the frame once `req_id` is taken) as an [`Action`].
fn read_action(rest: Map<String, Value>) -> Result<Action, ProtocolError> {
    // serde's own message for an unknown field next to a tag does not name it as such.
    if let Some(unknown) = rest.keys().find(|k| !ACTION_FIELDS.contains(&k.as_str())) {
        return Err(ProtocolError::Invalid(format!(
            "unknown field `{unknown}`, expected `req_id`, `{}` or `{}`",
            ACTION_FIELDS[0], ACTION_FIELDS[1]
        )));
    }
    let name = match rest.get(ACTION_FIELDS[0]) {
        Some(Value::String(name)) => name.clone(),
        Some(_) => return Err(ProtocolError::Invalid("`action` must be a string".into())),
        None => return Err(ProtocolError::Invalid("`action` is missing".into())),
    };
    let frame = Value::Object(rest);
    let payload = &frame[ACTION_FIELDS[1]];
    match payload {
        // No payload and `null` already mean "no arguments" to serde.
        Value::Null => tagged(&frame),
        Value::Object(fields) => tagged(&frame).or_else(|error| match bare_action(&name)? {
            Some(action) if fields.is_empty() => Ok(action),
            Some(_) => Err(no_arguments(&name, payload)),
            None => Err(error),
        }),
        // serde would read an array as a struct's fields in order: a payload is an object.
        other => match bare_action(&name)? {
            Some(_) => Err(no_arguments(&name, other)),
            None => Err(ProtocolError::Invalid(format!(
                "`payload` of `{name}` must be an object, got `{other}`"
            ))),
        },
    }
}

/// The tag and content as an [`Action`], serde's refusal as the protocol's.
fn tagged(frame: &Value) -> Result<Action, ProtocolError> {
    Action::deserialize(frame).map_err(|error| {
        let message = error.to_string();
        // serde names the variants it expected: the enum above is the one list of actions.
        if message.starts_with("unknown variant") {
            ProtocolError::UnknownAction(message)
        } else {
            ProtocolError::Invalid(message)
        }
    })
}

/// The action `name` read from its tag alone, if it takes no arguments (it writes no payload
/// back); `None` if it takes some, even optional ones; an unknown action's refusal.
fn bare_action(name: &str) -> Result<Option<Action>, ProtocolError> {
    let mut tag = Map::new();
    tag.insert(ACTION_FIELDS[0].to_owned(), Value::String(name.to_owned()));
    let action = match tagged(&Value::Object(tag)) {
        Ok(action) => action,
        Err(unknown @ ProtocolError::UnknownAction(_)) => return Err(unknown),
        Err(_) => return Ok(None),
    };
    let written = serde_json::to_value(&action).unwrap_or_default();
    Ok(written.get(ACTION_FIELDS[1]).is_none().then_some(action))
}

/// The refusal of `payload` for an action `name` that takes no arguments: anything but absent,
/// `null` or `{}`, naming what is allowed.
fn no_arguments(name: &str, payload: &Value) -> ProtocolError {
    let allowed = "send no `payload`, or `payload` null or {}";
    ProtocolError::Invalid(match payload.as_object().and_then(|f| f.keys().next()) {
        Some(unknown) => {
            format!(
                "unknown field `{unknown}` in `payload`: `{name}` takes no arguments; {allowed}"
            )
        }
        None => format!("`payload` of `{name}` must be absent, null or {{}}, got `{payload}`"),
    })
}

#[cfg(test)]
mod tests;
