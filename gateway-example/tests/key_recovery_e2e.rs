//! A gateway killed with one open sent and another queued on the same (magic, symbol) key, under
//! a broker that rewrites every comment: the restarted gateway knows from its journal which
//! intent was sent (the key's holder, marked durably before each send), gives it the record made
//! after that send, and lets the queued one and every later open on the key go ahead.
//!
//! Both processes are the real binary; every step waits on something observable (a log line,
//! the journal's answer to `ORDER_STATUS`, a reply) with a generous deadline.

mod common;

use common::processes::{books, gateway as start_gateway, terminal as start_terminal, wait_until};
use serde_json::json;
use uuid::Uuid;

/// Logged by the terminal when an `order_send` reaches the simulator.
const ORDER_STARTED: &str = "order_send started";
/// A generous bound on one reply, for a machine four times slower than a developer's.
const REPLY_WITHIN_MS: i64 = 20_000;

fn endpoint() -> String {
    format!("tcp://127.0.0.1:{}", common::free_port())
}

fn open(req_id: Uuid) -> serde_json::Value {
    json!({"action": "ORDER_SEND", "req_id": req_id,
           "payload": {"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}})
}

/// A REQ socket that has sent `request`; its reply may be read or left.
fn send(context: &zmq::Context, at: &str, request: &serde_json::Value) -> zmq::Socket {
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(at).unwrap();
    socket.send(request.to_string().as_bytes(), 0).unwrap();
    socket
}

/// One request, one reply within the generous bound.
fn ask(context: &zmq::Context, at: &str, request: &serde_json::Value) -> serde_json::Value {
    let socket = send(context, at, request);
    let ready = socket.poll(zmq::POLLIN, REPLY_WITHIN_MS).unwrap();
    assert_eq!(
        ready, 1,
        "no reply to {request} within {REPLY_WITHIN_MS} ms"
    );
    serde_json::from_slice(&socket.recv_bytes(0).unwrap()).unwrap()
}

#[test]
fn a_gateway_killed_with_opens_queued_on_one_key_resumes_trading_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let (terminal_at, gateway_at) = (endpoint(), endpoint());
    // The terminal holds the first order 3 s, then books it under the comment `#<ticket>`.
    let rewrite = ["--rewrite-comments", "#{ticket}"];
    let held = [&rewrite[..], &["--script", "latency-3000"]].concat();
    let terminal = start_terminal(&terminal_at, dir.path(), &held);
    let fast = ["--time-scale", "0.1", "--history-lag-ms", "150"];
    let (gateway, _) = start_gateway(&gateway_at, &terminal_at, dir.path(), &fast);
    let context = zmq::Context::new();
    let (sent, queued) = (Uuid::new_v4(), Uuid::new_v4());
    let _sent = send(&context, &gateway_at, &open(sent));
    wait_until("the first open reached the terminal", || {
        terminal.log().contains(ORDER_STARTED)
    });
    // The second open on the key waits for the key the first one holds.
    let _queued = send(&context, &gateway_at, &open(queued));
    wait_until("the second open waits for the key", || {
        gateway.log().contains("an intent waits for its key")
    });
    gateway.kill_9();

    // Restarted while the terminal still holds the first open: its lookup waits for it.
    let patient = [&fast[..], &["--terminal-query-timeout", "30"]].concat();
    let (gateway, recovered) = start_gateway(&gateway_at, &terminal_at, dir.path(), &patient);
    eprintln!("recovered {recovered}");
    // A later open on the same key is not refused `key_busy`: it executes.
    let later = ask(&context, &gateway_at, &open(Uuid::new_v4()));
    assert_eq!(later["ok"], true, "{later}");
    assert_eq!(later["result"]["status"], "filled", "{later}");
    // The journal knew which one was sent: it took the record after its send, and nothing
    // else pending (the queued one, if journaled) is taken for sent.
    assert_eq!(recovered["found_executed"], 1, "the sent one: {recovered}");
    assert_eq!(
        recovered["left_pending"], recovered["not_sent"],
        "{recovered}"
    );
    // The sent one's resend gets its fill; the queued one's executes it, once.
    let first = ask(&context, &gateway_at, &open(sent));
    assert_eq!(first["result"]["reconciled"], true, "{first}");
    let second = ask(&context, &gateway_at, &open(queued));
    assert_eq!(second["result"]["reconciled"], false, "{second}");
    let deals = books(&context, &terminal_at).deals;
    assert_eq!(deals.len(), 3, "one deal per open: {deals:?}");
    let mut tickets: Vec<_> = [&first, &second, &later]
        .iter()
        .map(|r| r["result"]["deal"].as_u64().unwrap())
        .collect();
    tickets.sort_unstable();
    let mut booked: Vec<_> = deals.iter().map(|d| d.ticket).collect();
    booked.sort_unstable();
    assert_eq!(tickets, booked, "each reply names its own deal");
    drop(gateway);
}
