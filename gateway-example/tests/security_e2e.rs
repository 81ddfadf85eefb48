//! Signed requests over a real socket: unsigned, forged and stale requests are refused; an exposed
//! endpoint without a key refuses to start.

mod common;

use std::time::Duration;

use common::{options, TestGateway};
use gateway_example::clock::unix_ms;
use gateway_example::protocol::Reply;
use gateway_example::security::{AuthError, SharedKey};
use gateway_example::server::{start, StartError};
use gateway_example::transport::{ClientError, ClientOptions, LazyPirateClient};
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

    // A client with the wrong key is refused, and cannot trust the refusal either: it is signed
    // with the gateway's key, so the client's check of it fails.
    let wrong_key = SharedKey::new("some-other-key-0123456789").unwrap();
    let forged = client(&gateway, Some(wrong_key)).request(&ping());
    assert!(
        matches!(forged, Err(ClientError::ReplySignature(AuthError::Forged))),
        "{forged:?}"
    );

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

    // Unsigned once, stale once, and the wrong key twice: its client retried the reply it
    // could not trust (max_retries 1).
    assert_eq!(
        gateway.running.gateway.counters().snapshot().unauthorized,
        4
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

fn raw_socket(gateway: &TestGateway) -> zmq::Socket {
    let socket = gateway.context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(&gateway.endpoint()).unwrap();
    socket
}

/// Sends `frames` on a fresh REQ socket and returns the reply's frames.
fn exchange(gateway: &TestGateway, frames: &[&[u8]]) -> Vec<Vec<u8>> {
    let socket = raw_socket(gateway);
    socket.send_multipart(frames, 0).unwrap();
    assert_eq!(socket.poll(zmq::POLLIN, 2000).unwrap(), 1, "a reply");
    socket.recv_multipart(0).unwrap()
}

#[test]
fn a_signed_request_sent_twice_is_answered_once() {
    let gateway = signed_gateway();
    let key = SharedKey::new(KEY).unwrap();
    let body = ping();
    let signature = key.sign(&body, unix_ms());
    let first = reply(exchange(&gateway, &[&body, &signature]).swap_remove(0));
    assert!(first.ok, "{first:?}");
    let replayed = reply(exchange(&gateway, &[&body, &signature]).swap_remove(0));
    assert_eq!(replayed.error_code(), Some("unauthorized"), "{replayed:?}");
    assert!(replayed.error.unwrap().message.contains("already"));
    // The same body signed afresh (a Lazy Pirate resend) is a new request, and is answered.
    let resigned = key.sign(&body, unix_ms() + 1);
    assert!(reply(exchange(&gateway, &[&body, &resigned]).swap_remove(0)).ok);
}

#[test]
fn replies_are_signed_with_the_key_and_bound_to_their_request() {
    use hmac::{Hmac, Mac};
    let gateway = signed_gateway();
    let key = SharedKey::new(KEY).unwrap();
    let body = ping();
    let request_signature = key.sign(&body, unix_ms());
    let frames = exchange(&gateway, &[&body, &request_signature]);
    assert_eq!(frames.len(), 2, "a reply body and its signature");
    let text = String::from_utf8(frames[1].clone()).unwrap();
    let mut parts = text.splitn(3, ':');
    let (scheme, timestamp, tag) = (parts.next(), parts.next(), parts.next());
    assert_eq!(scheme, Some("v1r"), "{text}");
    let timestamp_ms: u64 = timestamp.unwrap().parse().unwrap();
    assert!(timestamp_ms.abs_diff(unix_ms()) < 30_000);
    // HMAC-SHA256(key, "v1r:<ms>:" + request signature frame + "\n" + reply body).
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(format!("v1r:{timestamp_ms}:").as_bytes());
    mac.update(&request_signature);
    mac.update(b"\n");
    mac.update(&frames[0]);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(tag, Some(expected.as_str()));
    assert!(reply(frames[0].clone()).ok);
}
