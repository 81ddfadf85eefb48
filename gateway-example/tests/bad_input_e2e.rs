//! Every kind of bad input gets an error reply over a real socket, and the gateway keeps serving.

mod common;

use std::time::Duration;

use common::{options, TestGateway};
use gateway_example::protocol::Reply;
use gateway_example::transport::{ClientOptions, LazyPirateClient};
use serde_json::json;
use uuid::Uuid;
use wait_or_die::Policy;

fn raw_client(
    gateway: &TestGateway,
    reply_timeout: Duration,
    max_retries: u32,
) -> LazyPirateClient {
    let policy = Policy::builder()
        .max_retries(max_retries)
        .initial_wait(Duration::from_millis(10))
        .max_wait(Duration::from_millis(10))
        .build()
        .unwrap();
    let options = ClientOptions {
        reply_timeout,
        policy,
        ..ClientOptions::new(gateway.endpoint())
    };
    LazyPirateClient::new(&gateway.context, options)
}

fn ask(client: &mut LazyPirateClient, body: &[u8]) -> Reply {
    let frame = client.request(body).expect("every request gets a reply");
    serde_json::from_slice(&frame).expect("every reply is protocol JSON")
}

fn order(req_id: Uuid, payload: serde_json::Value) -> Vec<u8> {
    json!({"action": "ORDER_SEND", "req_id": req_id, "payload": payload})
        .to_string()
        .into_bytes()
}

#[test]
fn every_bad_input_gets_its_error_code_and_nothing_executes() {
    let gateway = TestGateway::start(&options(None, 0.0, 11));
    let mut client = raw_client(&gateway, Duration::from_secs(2), 2);
    let id = Uuid::new_v4();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not json", b"hello".to_vec(), "bad_json"),
        ("not utf-8", vec![0xc3, 0x28, 0xff], "bad_json"),
        ("not an object", b"[1,2,3]".to_vec(), "invalid_request"),
        (
            "missing req_id",
            br#"{"action":"PING"}"#.to_vec(),
            "invalid_req_id",
        ),
        (
            "req_id not a uuid",
            br#"{"action":"PING","req_id":"abc"}"#.to_vec(),
            "invalid_req_id",
        ),
        (
            "req_id a number",
            br#"{"action":"PING","req_id":12}"#.to_vec(),
            "invalid_req_id",
        ),
        (
            "unknown action",
            json!({"action": "ORDER_CANCEL_ALL", "req_id": id})
                .to_string()
                .into_bytes(),
            "unknown_action",
        ),
        (
            "volume of the wrong type",
            order(
                id,
                json!({"symbol": "EURUSD", "type": "OP_BUY", "volume": "0.01"}),
            ),
            "invalid_request",
        ),
        (
            "unknown order type",
            order(
                id,
                json!({"symbol": "EURUSD", "type": "OP_HODL", "volume": 0.01}),
            ),
            "invalid_request",
        ),
        (
            "missing symbol",
            order(id, json!({"type": "OP_BUY", "volume": 0.01})),
            "invalid_request",
        ),
        (
            "unknown symbol",
            order(
                id,
                json!({"symbol": "DOGEUSD", "type": "OP_BUY", "volume": 0.01}),
            ),
            "unknown_symbol",
        ),
        (
            "volume below the minimum",
            order(
                id,
                json!({"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.001}),
            ),
            "invalid_volume",
        ),
        (
            "volume above the maximum",
            order(
                id,
                json!({"symbol": "EURUSD", "type": "ORDER_TYPE_SELL", "volume": 100.5}),
            ),
            "invalid_volume",
        ),
        (
            "volume off the step",
            order(
                id,
                json!({"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.015}),
            ),
            "invalid_volume",
        ),
        (
            "negative volume",
            order(
                id,
                json!({"symbol": "EURUSD", "type": "OP_BUY", "volume": -1.0}),
            ),
            "invalid_volume",
        ),
        (
            "frame over 64 KiB",
            format!(
                r#"{{"action":"PING","req_id":"{id}","pad":"{}"}}"#,
                "x".repeat(100_000)
            )
            .into_bytes(),
            "frame_too_large",
        ),
    ];
    for (what, body, code) in cases {
        let reply = ask(&mut client, &body);
        assert!(!reply.ok, "{what}: {reply:?}");
        assert_eq!(reply.error_code(), Some(code), "{what}: {reply:?}");
        assert!(!reply.error.unwrap().retryable, "{what}");
    }
    assert!(gateway.running.terminal.audit_deals().is_empty());
    let counters = gateway.running.gateway.counters().snapshot();
    assert_eq!(counters.bad_requests, 16);
    // Still serving, and a good order still fills.
    let good = ask(
        &mut client,
        &order(
            Uuid::new_v4(),
            json!({"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}),
        ),
    );
    assert!(good.ok, "{good:?}");
}

#[test]
fn a_frame_beyond_the_transport_limit_drops_only_that_peer() {
    let gateway = TestGateway::start(&options(None, 0.0, 12));
    // libzmq disconnects a peer whose frame exceeds MAXMSGSIZE (1 MiB) without reading it: that
    // client gets no reply, and nobody else notices.
    let mut greedy = raw_client(&gateway, Duration::from_millis(300), 1);
    let huge = vec![b'x'; 2 * 1024 * 1024];
    assert!(greedy.request(&huge).is_err());
    let mut polite = raw_client(&gateway, Duration::from_secs(2), 2);
    let pong = ask(
        &mut polite,
        json!({"action": "PING", "req_id": Uuid::new_v4()})
            .to_string()
            .as_bytes(),
    );
    assert!(pong.ok);
}

#[test]
fn order_status_and_symbol_info_answer_from_journal_and_terminal() {
    let gateway = TestGateway::start(&options(None, 0.0, 13));
    let mut client = raw_client(&gateway, Duration::from_secs(2), 2);
    let order_id = Uuid::new_v4();
    let unknown = ask(
        &mut client,
        json!({"action": "ORDER_STATUS", "req_id": Uuid::new_v4(), "payload": {"req_id": order_id}})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(unknown.result.unwrap()["state"], "unknown");
    let filled = ask(
        &mut client,
        &order(
            order_id,
            json!({"symbol": "USDJPY", "type": "OP_SELL", "volume": 0.2}),
        ),
    );
    let deal = filled.result.as_ref().unwrap()["deal"].clone();
    let status = ask(
        &mut client,
        json!({"action": "ORDER_STATUS", "req_id": Uuid::new_v4(), "payload": {"req_id": order_id}})
            .to_string()
            .as_bytes(),
    );
    let status = status.result.unwrap();
    assert_eq!(status["state"], "done");
    assert_eq!(status["deals"], json!([deal]));
    assert_eq!(status["reply"], serde_json::to_value(&filled).unwrap());
    let info = ask(
        &mut client,
        json!({"action": "SYMBOL_INFO", "req_id": Uuid::new_v4(), "payload": {"symbol": "XAUUSD"}})
            .to_string()
            .as_bytes(),
    );
    let info = info.result.unwrap();
    assert_eq!(info["volume_step"], 0.01);
    assert!(info["ask"].as_f64().unwrap() > info["bid"].as_f64().unwrap());
}

#[test]
fn a_req_id_reused_for_another_order_is_refused() {
    let gateway = TestGateway::start(&options(None, 0.0, 14));
    let mut client = raw_client(&gateway, Duration::from_secs(2), 2);
    let id = Uuid::new_v4();
    let first = ask(
        &mut client,
        &order(
            id,
            json!({"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}),
        ),
    );
    assert!(first.ok);
    let other = ask(
        &mut client,
        &order(
            id,
            json!({"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.02}),
        ),
    );
    assert_eq!(other.error_code(), Some("req_id_conflict"));
    assert_eq!(gateway.running.terminal.audit_deals().len(), 1);
}

#[test]
fn fields_the_gateway_does_not_support_are_refused_by_name() {
    let gateway = TestGateway::start(&options(None, 0.0, 15));
    let mut client = raw_client(&gateway, Duration::from_secs(2), 2);
    let good = json!({"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01});
    let with = |field: &str, value: serde_json::Value| {
        let mut payload = good.clone();
        payload[field] = value;
        payload
    };
    // `position` is a close's (`POSITION_CLOSE`), `order` a modification's; an `expiration`
    // without `type_time` ORDER_TIME_SPECIFIED would be ignored by the terminal.
    for (field, value) in [
        ("position", json!(123456)),
        ("order", json!(7)),
        ("expiration", json!(1_900_000_000)),
        ("stoploss", json!(1.0)),
        ("comment", json!("x".repeat(32))),
    ] {
        let reply = ask(&mut client, &order(Uuid::new_v4(), with(field, value)));
        assert_eq!(
            reply.error_code(),
            Some("invalid_request"),
            "{field}: {reply:?}"
        );
        let message = reply.error.unwrap().message;
        assert!(
            message.contains(&format!("`{field}`")),
            "{field}: {message}"
        );
    }
    let top_level = json!({"action": "PING", "req_id": Uuid::new_v4(), "priority": 1});
    let reply = ask(&mut client, top_level.to_string().as_bytes());
    assert_eq!(reply.error_code(), Some("invalid_request"), "{reply:?}");
    assert!(reply.error.unwrap().message.contains("`priority`"));
    let status = json!({"action": "ORDER_STATUS", "req_id": Uuid::new_v4(),
                        "payload": {"req_id": Uuid::new_v4(), "verbose": true}});
    let reply = ask(&mut client, status.to_string().as_bytes());
    assert!(reply.error.unwrap().message.contains("`verbose`"));
    assert!(gateway.running.terminal.audit_deals().is_empty());
}

#[test]
fn actions_without_arguments_answer_a_payload_of_null_or_an_empty_object() {
    let gateway = TestGateway::start(&options(None, 0.0, 16));
    let mut client = raw_client(&gateway, Duration::from_secs(2), 2);
    for action in ["PING", "ACCOUNT_INFO", "STATS", "POSITIONS", "ORDERS"] {
        for payload in [json!(null), json!({})] {
            let req_id = Uuid::new_v4();
            let request = json!({"action": action, "req_id": req_id, "payload": payload});
            let reply = ask(&mut client, request.to_string().as_bytes());
            assert!(reply.ok, "{action} with payload {payload}: {reply:?}");
            assert_eq!(reply.req_id.map(|id| id.uuid()), Some(req_id));
        }
    }
}

/// Requests one DEALER connection pipelines at once: far past the 64 a connection may have in
/// flight, so that most are refused `busy`.
const PIPELINED: usize = 500;
/// How long the pipelined replies may take in all: far above a loaded machine's.
const PIPELINE_REPLY_BOUND: Duration = Duration::from_secs(60);

#[test]
fn every_reply_to_a_pipelining_client_carries_its_req_id_busy_included() {
    let gateway = TestGateway::start(&options(None, 0.0, 17));
    let dealer = gateway.context.socket(zmq::DEALER).unwrap();
    dealer.set_linger(0).unwrap();
    dealer.connect(&gateway.endpoint()).unwrap();
    let req_id = Uuid::new_v4();
    let body = order(
        req_id,
        json!({"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}),
    );
    for _ in 0..PIPELINED {
        dealer.send_multipart([&b""[..], &body], 0).unwrap();
    }
    let mut busy = 0;
    for answered in 0..PIPELINED {
        let ready = dealer
            .poll(zmq::POLLIN, PIPELINE_REPLY_BOUND.as_millis() as i64)
            .unwrap();
        assert_eq!(
            ready, 1,
            "bound {PIPELINE_REPLY_BOUND:?} passed with {answered} of {PIPELINED} replies"
        );
        let frames = dealer.recv_multipart(0).unwrap();
        let reply: Reply = serde_json::from_slice(frames.last().unwrap()).unwrap();
        assert_eq!(
            reply.req_id.as_ref().map(|id| id.uuid()),
            Some(req_id),
            "reply {answered}: {reply:?}"
        );
        busy += usize::from(reply.error_code() == Some("busy"));
    }
    assert!(
        busy > 0,
        "no copy met the `busy` refusal it is here to test"
    );
    assert_eq!(gateway.running.terminal.audit_deals().len(), 1);
}
