//! Signed requests over a real socket: unsigned, forged and stale requests are refused; an exposed
//! endpoint without a key refuses to start.

mod common;

use std::time::Duration;

use common::{options, TestGateway};
use gateway_example::clock::unix_ms;
use gateway_example::protocol::Reply;
use gateway_example::security::SharedKey;
use gateway_example::server::{start, StartError};
use gateway_example::transport::{ClientOptions, LazyPirateClient};
use serde_json::json;
use uuid::Uuid;
use wait_or_die::Policy;

const KEY: &str = "a-shared-test-key-of-32-bytes!!!";

fn signed_gateway() -> TestGateway {
    let mut opts = options(None, 0.0, 21);
    opts.gateway.key = Some(SharedKey::new(KEY).unwrap());
    TestGateway::start(&opts)
}

fn client(gateway: &TestGateway, key: Option<SharedKey>) -> LazyPirateClient {
    let options = ClientOptions {
        reply_timeout: Duration::from_secs(2),
        policy: Policy::builder().max_retries(1).build().unwrap(),
        key,
        ..ClientOptions::new(gateway.endpoint())
    };
    LazyPirateClient::new(&gateway.context, options)
}

fn ping() -> Vec<u8> {
    json!({"action": "PING", "req_id": Uuid::new_v4()})
        .to_string()
        .into_bytes()
}

fn reply(frame: Vec<u8>) -> Reply {
    serde_json::from_slice(&frame).unwrap()
}

#[test]
fn signed_requests_pass_and_everything_else_is_refused() {
    let gateway = signed_gateway();
    let good = reply(
        client(&gateway, Some(SharedKey::new(KEY).unwrap()))
            .request(&ping())
            .unwrap(),
    );
    assert!(good.ok, "{good:?}");

    let unsigned = reply(client(&gateway, None).request(&ping()).unwrap());
    assert_eq!(unsigned.error_code(), Some("unauthorized"));

    let wrong_key = SharedKey::new("some-other-key-0123456789").unwrap();
    let forged = reply(client(&gateway, Some(wrong_key)).request(&ping()).unwrap());
    assert_eq!(forged.error_code(), Some("unauthorized"));

    // A stale signature, sent by hand on a raw REQ socket.
    let socket = gateway.context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(&gateway.endpoint()).unwrap();
    let body = ping();
    let stale = SharedKey::new(KEY)
        .unwrap()
        .sign(&body, unix_ms() - 120_000);
    socket.send_multipart([&body[..], &stale[..]], 0).unwrap();
    assert_eq!(socket.poll(zmq::POLLIN, 2000).unwrap(), 1);
    let refused = reply(socket.recv_bytes(0).unwrap());
    assert_eq!(refused.error_code(), Some("unauthorized"));
    assert!(refused
        .error
        .unwrap()
        .message
        .contains("ms from the gateway's clock"));

    assert_eq!(
        gateway.running.gateway.counters().snapshot().unauthorized,
        3
    );
}

#[test]
fn an_exposed_endpoint_without_a_key_refuses_to_start() {
    // The check runs before any socket exists, so nothing is ever bound to this address.
    let mut opts = options(None, 0.0, 22);
    opts.router.endpoint = "tcp://0.0.0.0:5555".into();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let context = zmq::Context::new();
    let refused = start(&context, &opts, runtime.handle().clone());
    assert!(matches!(refused, Err(StartError::ExposedWithoutKey(_))));
}
