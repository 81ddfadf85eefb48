//! The request parser, fed every malformed, unknown and supported shape of frame.

use super::*;
use crate::protocol::{ErrorCode, DEFAULT_DEVIATION_POINTS};
use crate::terminal::OrderType;
use serde_json::json;

const ID: &str = "550e8400-e29b-41d4-a716-446655440000";

fn refusal(frame: &str) -> ProtocolError {
    parse_request(frame.as_bytes()).unwrap_err().1
}

fn code(frame: &str) -> ErrorCode {
    refusal(frame).code()
}

fn with(rest: &str) -> String {
    format!(r#"{{"req_id":"{ID}",{rest}}}"#)
}

#[test]
fn the_seed_request_parses() {
    let frame = with(
        r#""action":"ORDER_SEND","payload":{"symbol":"EURUSD","type":"OP_BUY","volume":0.01}"#,
    );
    let request = parse_request(frame.as_bytes()).unwrap();
    assert_eq!(request.req_id.to_string(), ID);
    let Action::OrderSend(order) = request.action else {
        panic!("not an order");
    };
    assert_eq!(order.order_type, OrderType::Buy);
    assert_eq!(order.volume, 0.01);
    assert_eq!(order.deviation, DEFAULT_DEVIATION_POINTS);
}

#[test]
fn every_action_parses_with_its_payload() {
    let ping = parse_request(with(r#""action":"PING""#).as_bytes()).unwrap();
    assert_eq!(ping.action, Action::Ping);
    let ping_null = parse_request(with(r#""action":"PING","payload":null"#).as_bytes());
    assert_eq!(ping_null.unwrap().action, Action::Ping);
    let stats = parse_request(with(r#""action":"STATS""#).as_bytes()).unwrap();
    assert_eq!(stats.action, Action::Stats);
    let status = with(&format!(
        r#""action":"ORDER_STATUS","payload":{{"req_id":"{ID}"}}"#
    ));
    let Action::OrderStatus(query) = parse_request(status.as_bytes()).unwrap().action else {
        panic!("not a status query");
    };
    assert_eq!(query.req_id.to_string(), ID);
    let info = with(r#""action":"SYMBOL_INFO","payload":{"symbol":"XAUUSD"}"#);
    assert_eq!(
        parse_request(info.as_bytes()).unwrap().action,
        Action::SymbolInfo(SymbolQuery {
            symbol: "XAUUSD".into()
        })
    );
}

#[test]
fn the_position_lifecycle_actions_parse_with_their_payloads() {
    let parse = |rest: &str| parse_request(with(rest).as_bytes()).map(|r| r.action);
    let close = parse(
        r#""action":"POSITION_CLOSE","payload":{"position":7,"volume":0.01,"comment":"tp1"}"#,
    );
    let Ok(Action::PositionClose(close)) = close else {
        panic!("not a close: {close:?}");
    };
    assert_eq!(
        (close.position, close.volume, close.deviation),
        (7, Some(0.01), 20)
    );
    let modify = parse(r#""action":"ORDER_MODIFY","payload":{"position":7,"sl":1.05}"#);
    assert_eq!(
        modify.unwrap(),
        Action::OrderModify(ModifySpec::Position {
            position: 7,
            sl: 1.05,
            tp: 0.0
        })
    );
    let cancel = parse(r#""action":"ORDER_CANCEL","payload":{"order":9}"#);
    assert_eq!(
        cancel.unwrap(),
        Action::OrderCancel(CancelSpec { order: 9 })
    );
    assert_eq!(
        parse(r#""action":"POSITIONS""#).unwrap(),
        Action::Positions(None)
    );
    let one = parse(r#""action":"ORDERS","payload":{"symbol":"EURUSD"}"#).unwrap();
    let symbol = Some("EURUSD".to_owned());
    assert_eq!(one, Action::Orders(Some(ListQuery { symbol })));
    assert_eq!(
        parse(r#""action":"ACCOUNT_INFO""#).unwrap(),
        Action::AccountInfo
    );
    for (rest, named) in [
        (
            r#""action":"POSITION_CLOSE","payload":{"position":7,"volume":-1}"#,
            "`volume`",
        ),
        (
            r#""action":"POSITION_CLOSE","payload":{"position":7,"sl":1}"#,
            "`sl`",
        ),
        (
            r#""action":"ORDER_MODIFY","payload":{"order":7}"#,
            "`price`",
        ),
        (
            r#""action":"ORDER_CANCEL","payload":{"order":0}"#,
            "`order`",
        ),
        (r#""action":"ORDERS","payload":{"magic":1}"#, "`magic`"),
    ] {
        let error = refusal(&with(rest));
        assert_eq!(error.code(), ErrorCode::InvalidRequest, "{rest}");
        assert!(error.to_string().contains(named), "{rest}: {error}");
    }
}

#[test]
fn malformed_requests_get_the_right_code() {
    assert_eq!(code("not json"), ErrorCode::BadJson);
    assert_eq!(code("[1,2]"), ErrorCode::InvalidRequest);
    assert_eq!(code(r#"{"action":"PING"}"#), ErrorCode::InvalidReqId);
    assert_eq!(
        code(r#"{"action":"PING","req_id":"nope"}"#),
        ErrorCode::InvalidReqId
    );
    assert_eq!(
        code(r#"{"action":"PING","req_id":7}"#),
        ErrorCode::InvalidReqId
    );
    assert_eq!(code(&with(r#""action":"FLY""#)), ErrorCode::UnknownAction);
    assert_eq!(code(&with(r#""action":5"#)), ErrorCode::InvalidRequest);
    assert_eq!(code(&with(r#""payload":{}"#)), ErrorCode::InvalidRequest);
    for payload in [
        r#"{"symbol":"EURUSD","type":"OP_BUY","volume":"1"}"#,
        r#"{"symbol":"EURUSD","type":"OP_HOLD","volume":1}"#,
        r#"{"symbol":"EURUSD","type":"OP_BUYLIMIT","volume":1}"#,
        r#"{"symbol":"EURUSD","type":"OP_BUY","volume":1,"sl":-1}"#,
    ] {
        let frame = with(&format!(r#""action":"ORDER_SEND","payload":{payload}"#));
        assert_eq!(code(&frame), ErrorCode::InvalidRequest, "{payload}");
    }
    let bad_utf8 = parse_request(&[0xff, 0xfe]).unwrap_err();
    assert_eq!(bad_utf8.1.code(), ErrorCode::BadJson);
}

#[test]
fn an_unknown_action_is_named_with_the_ones_allowed() {
    let message = refusal(&with(r#""action":"FLY""#)).to_string();
    assert!(message.contains("`FLY`"), "{message}");
    assert!(message.contains("`ORDER_SEND`"), "{message}");
}

#[test]
fn unknown_fields_are_refused_by_name_at_every_level() {
    let cases = [
        (r#""action":"PING","priority":1"#, "`priority`"),
        (r#""action":"PING","payload":{"x":1}"#, "`x`"),
        (
            r#""action":"SYMBOL_INFO","payload":{"symbol":"EURUSD","digits":5}"#,
            "`digits`",
        ),
        (
            r#""action":"ORDER_SEND","payload":{"symbol":"EURUSD","type":"OP_BUY","volume":1,"position":9}"#,
            "`position`",
        ),
    ];
    for (rest, named) in cases {
        let error = refusal(&with(rest));
        assert_eq!(error.code(), ErrorCode::InvalidRequest, "{rest}");
        assert!(error.to_string().contains(named), "{rest}: {error}");
    }
}

#[test]
fn the_action_fields_are_the_enums_tag_and_content() {
    let order = Action::OrderSend(OrderSpec::market("EURUSD", OrderType::Buy, 0.01));
    let Value::Object(fields) = serde_json::to_value(order).unwrap() else {
        panic!("an action serializes to an object");
    };
    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(names, ACTION_FIELDS);
}

fn order_with(field: &str) -> Result<Value, ProtocolError> {
    order_from(&format!(r#""type":"OP_BUY",{field}"#))
}

fn order_from(fields: &str) -> Result<Value, ProtocolError> {
    let frame = with(&format!(
        r#""action":"ORDER_SEND","payload":{{"symbol":"EURUSD","volume":0.01,{fields}}}"#
    ));
    match parse_request(frame.as_bytes()) {
        Ok(Request {
            action: Action::OrderSend(order),
            ..
        }) => Ok(serde_json::to_value(order).unwrap()),
        Ok(other) => panic!("not an order: {other:?}"),
        Err((_, error)) => Err(error),
    }
}

/// `type_filling` as the MetaTrader5 Python package sends it (`ORDER_FILLING_FOK` = 0,
/// `ORDER_FILLING_IOC` = 1, `ORDER_FILLING_RETURN` = 2) or by the constant's name.
#[test]
fn type_filling_is_read_as_the_python_package_sends_it() {
    for (field, name) in [
        (r#""type_filling":0"#, "ORDER_FILLING_FOK"),
        (r#""type_filling":1"#, "ORDER_FILLING_IOC"),
        (r#""type_filling":2"#, "ORDER_FILLING_RETURN"),
        (r#""type_filling":"ORDER_FILLING_IOC""#, "ORDER_FILLING_IOC"),
    ] {
        let order = order_with(field).unwrap_or_else(|e| panic!("{field}: {e}"));
        assert_eq!(order["type_filling"], name, "{field}");
    }
    for field in [
        r#""type_filling":3"#,
        r#""type_filling":"FOK""#,
        r#""type_filling":-1"#,
    ] {
        let error = order_with(field).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidRequest, "{field}");
        assert!(
            error.to_string().contains("ORDER_FILLING_RETURN"),
            "{field}: {error}"
        );
    }
}

/// `ENUM_ORDER_TYPE` as the MetaTrader5 Python package sends it: `mt5.ORDER_TYPE_BUY` is 0
/// ... `mt5.ORDER_TYPE_SELL_STOP` is 5; the names (MT5's and MT4's) still work.
#[test]
fn numeric_order_types_are_read_as_the_python_package_sends_them() {
    let names = [
        "ORDER_TYPE_BUY",
        "ORDER_TYPE_SELL",
        "ORDER_TYPE_BUY_LIMIT",
        "ORDER_TYPE_SELL_LIMIT",
        "ORDER_TYPE_BUY_STOP",
        "ORDER_TYPE_SELL_STOP",
    ];
    for (code, name) in names.iter().enumerate() {
        let order = order_from(&format!(r#""type":{code},"price":1.0"#))
            .unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(order["type"], *name, "{code}");
        let by_name = order_from(&format!(r#""type":"{name}","price":1.0"#)).unwrap();
        assert_eq!(by_name["type"], *name);
    }
    for (code, name) in [
        (6, "ORDER_TYPE_BUY_STOP_LIMIT"),
        (7, "ORDER_TYPE_SELL_STOP_LIMIT"),
    ] {
        let fields = format!(r#""type":{code},"price":1.0,"stoplimit":1.1"#);
        let order = order_from(&fields).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(
            (&order["type"], &order["stoplimit"]),
            (&json!(name), &json!(1.1))
        );
    }
    for fields in [r#""type":6,"price":1.0"#, r#""type":0,"stoplimit":1.1"#] {
        let error = order_from(fields).unwrap_err();
        assert!(
            error.to_string().contains("`stoplimit`"),
            "{fields}: {error}"
        );
    }
    for refused in ["8", "-1", "1.5", r#""ORDER_TYPE_CLOSE_BY""#] {
        let error = order_from(&format!(r#""type":{refused},"price":1.0"#)).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidRequest, "{refused}");
        assert!(
            error.to_string().contains("`ORDER_TYPE_BUY` (0)"),
            "{refused}: {error}"
        );
    }
}

#[test]
fn later_errors_keep_the_req_id() {
    let (req_id, _) = parse_request(with(r#""action":"NOPE""#).as_bytes()).unwrap_err();
    assert_eq!(req_id.unwrap().to_string(), ID);
    let unknown_field = with(r#""action":"PING","extra":true"#);
    let (req_id, _) = parse_request(unknown_field.as_bytes()).unwrap_err();
    assert_eq!(req_id.unwrap().to_string(), ID);
}

/// The three spellings of "no arguments" generic JSON clients send: no `payload`, `null`, `{}`.
const NO_ARGUMENTS: [&str; 3] = ["", r#","payload":null"#, r#","payload":{}"#];

/// `action` parsed from each spelling of "no arguments".
fn parsed_without_arguments(action: &str) -> Vec<Result<Action, ProtocolError>> {
    NO_ARGUMENTS
        .iter()
        .map(|payload| {
            let frame = with(&format!(r#""action":"{action}"{payload}"#));
            parse_request(frame.as_bytes())
                .map(|r| r.action)
                .map_err(|(_, e)| e)
        })
        .collect()
}

fn assert_no_arguments_parse(action: &str, expected: &Action) {
    for (form, parsed) in NO_ARGUMENTS.iter().zip(parsed_without_arguments(action)) {
        assert_eq!(parsed.as_ref(), Ok(expected), "{action} with `{form}`");
    }
}

#[test]
fn ping_takes_no_payload_null_or_an_empty_object() {
    assert_no_arguments_parse("PING", &Action::Ping);
}

#[test]
fn account_info_takes_no_payload_null_or_an_empty_object() {
    assert_no_arguments_parse("ACCOUNT_INFO", &Action::AccountInfo);
}

#[test]
fn stats_takes_no_payload_null_or_an_empty_object() {
    assert_no_arguments_parse("STATS", &Action::Stats);
}

#[test]
fn positions_takes_no_payload_null_or_an_empty_object() {
    let parsed = parsed_without_arguments("POSITIONS");
    assert_eq!(parsed[0], Ok(Action::Positions(None)), "no payload");
    assert_eq!(parsed[1], Ok(Action::Positions(None)), "null");
    let all = Action::Positions(Some(ListQuery::default()));
    assert_eq!(parsed[2], Ok(all), "{{}}");
}

#[test]
fn orders_takes_no_payload_null_or_an_empty_object() {
    let parsed = parsed_without_arguments("ORDERS");
    assert_eq!(parsed[0], Ok(Action::Orders(None)), "no payload");
    assert_eq!(parsed[1], Ok(Action::Orders(None)), "null");
    let all = Action::Orders(Some(ListQuery::default()));
    assert_eq!(parsed[2], Ok(all), "{{}}");
}

#[test]
fn a_payload_for_an_action_without_arguments_is_refused_by_name() {
    for action in ["PING", "ACCOUNT_INFO", "STATS"] {
        let field = refusal(&with(&format!(
            r#""action":"{action}","payload":{{"verbose":true}}"#
        )));
        assert_eq!(field.code(), ErrorCode::InvalidRequest, "{action}");
        let message = field.to_string();
        assert!(message.contains("unknown field `verbose`"), "{message}");
        assert!(message.contains(&format!("`{action}`")), "{message}");
        for value in ["[]", "1", r#""all""#, "true", "[{}]"] {
            let error = refusal(&with(&format!(r#""action":"{action}","payload":{value}"#)));
            assert_eq!(error.code(), ErrorCode::InvalidRequest, "{action} {value}");
            let message = error.to_string();
            assert!(message.contains(&format!("`{action}`")), "{message}");
            assert!(message.contains("null or {}"), "{message}");
        }
    }
    for action in ["POSITIONS", "ORDERS"] {
        for (value, named) in [
            ("[]", "must be an object"),
            (r#"["EURUSD"]"#, "must be an object"),
            ("1", "must be an object"),
            (r#"{"magic":1}"#, "unknown field `magic`"),
        ] {
            let error = refusal(&with(&format!(r#""action":"{action}","payload":{value}"#)));
            assert_eq!(error.code(), ErrorCode::InvalidRequest, "{action} {value}");
            assert!(
                error.to_string().contains(named),
                "{action} {value}: {error}"
            );
        }
    }
}

#[test]
fn a_payload_that_is_not_an_object_is_refused_for_every_action() {
    // serde alone would read `["EURUSD", "OP_BUY", 0.01]` as an order's fields in order.
    let order = with(r#""action":"ORDER_SEND","payload":["EURUSD","OP_BUY",0.01]"#);
    let error = refusal(&order);
    assert_eq!(error.code(), ErrorCode::InvalidRequest);
    assert!(error.to_string().contains("must be an object"), "{error}");
    let unknown = with(r#""action":"FLY","payload":[]"#);
    assert_eq!(code(&unknown), ErrorCode::UnknownAction);
}
