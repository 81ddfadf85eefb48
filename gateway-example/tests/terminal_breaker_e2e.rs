//! The terminal's circuit breaker, with the terminal and the gateway as two processes: the
//! terminal is killed with `kill -9`; once the gateway's calls have found it gone, new orders are
//! answered at once `terminal_unavailable` (retryable, no attempt, nothing executed) instead of
//! each spending its 30 s budget, and trading resumes within one open period of the terminal's
//! return. Every order is then audited against the terminal's books: each executed exactly once.
//!
//! Before the breaker opens, each order's first look at the terminal (its symbol's rules) waits
//! its query timeout (3 s) for a terminal that is gone; after, none does. Time bounds are
//! generous (a loaded machine may be 4 times slower), and the replies' messages say which path
//! answered, so no outcome rests on a clock alone.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::processes::{books, configured_gateway, deals_for, terminal as start_terminal};
use gateway_example::terminal::OrderType;
use serde_json::{json, Value};
use uuid::Uuid;

/// The breaker's open period, set for the test's gateway through its configuration file.
const OPEN_FOR: Duration = Duration::from_secs(8);
/// Room for the probe itself (a quote and an order on a terminal just restarted) on a loaded
/// machine; less than one more open period, so a second one is not mistaken for the first.
const PROBE_SLACK: Duration = Duration::from_secs(6);
/// A refused order is answered well within this (in milliseconds); one that asks the dead
/// terminal waits the gateway's query timeout, 3 s.
const AT_ONCE: Duration = Duration::from_secs(2);
/// Every site that calls the terminal for an order shares its breaker; each reads its own
/// site's settings.
const ORDER_SITES: [&str; 5] = [
    "gateway.check",
    "gateway.place_order",
    "gateway.close_position",
    "gateway.modify_order",
    "gateway.cancel_order",
];

fn endpoint() -> String {
    format!("tcp://127.0.0.1:{}", common::free_port())
}

/// The retry configuration: the terminal's breaker opens after 5 failed attempts in a row (the
/// first starts its window, then 4), and stays open [`OPEN_FOR`].
fn write_config(dir: &Path) -> PathBuf {
    let mut text = String::new();
    for site in ORDER_SITES {
        text += &format!(
            "[sites.\"{site}\"]\nbreaker_min_calls = 4\nbreaker_open_for = \"{}s\"\n\n",
            OPEN_FOR.as_secs()
        );
    }
    let path = dir.join("retry.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// One `ORDER_SEND` on a bare REQ socket: its reply, and how long it took. No resend.
fn order_once(context: &zmq::Context, endpoint: &str, req_id: Uuid) -> (Value, Duration) {
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.set_rcvtimeo(120_000).unwrap();
    socket.connect(endpoint).unwrap();
    let order = common::market("EURUSD", OrderType::Buy, 0.01);
    let body = json!({"action": "ORDER_SEND", "req_id": req_id, "payload": order});
    let sent = Instant::now();
    socket.send(body.to_string().as_bytes(), 0).unwrap();
    let reply = socket.recv_bytes(0).expect("a reply within 120 s");
    (serde_json::from_slice(&reply).unwrap(), sent.elapsed())
}

/// Asserts that `reply` says the terminal could not be reached and nothing executed.
fn assert_unavailable(reply: &Value) {
    assert_eq!(reply["ok"], false, "{reply}");
    assert_eq!(reply["error"]["code"], "terminal_unavailable", "{reply}");
    assert_eq!(reply["error"]["retryable"], true, "{reply}");
}

#[test]
fn a_killed_terminal_opens_the_breaker_and_trading_resumes_within_one_open_period() {
    let dir = tempfile::tempdir().unwrap();
    let (terminal_at, gateway_at) = (endpoint(), endpoint());
    let terminal = start_terminal(&terminal_at, dir.path(), &[]);
    let config = write_config(dir.path());
    let (gateway, _) =
        configured_gateway(&gateway_at, &terminal_at, dir.path(), &[], Some(&config));
    let context = zmq::Context::new();
    let mut sent = Vec::new();
    let order = |sent: &mut Vec<Uuid>| {
        let req_id = Uuid::new_v4();
        sent.push(req_id);
        let (reply, took) = order_once(&context, &gateway_at, req_id);
        (req_id, reply, took)
    };

    let (_, reply, _) = order(&mut sent);
    assert_eq!(reply["result"]["status"], "filled", "{reply}");
    terminal.kill_9();

    // The first orders after the kill each find the terminal gone, after the query timeout,
    // until the breaker opens (the 5th failure: the first starts its window, then 4).
    let mut asked = 0;
    loop {
        let (_, reply, _) = order(&mut sent);
        assert_unavailable(&reply);
        if reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("circuit breaker open")
        {
            break;
        }
        asked += 1;
        assert!(asked < 10, "the breaker did not open: {reply}");
    }
    assert_eq!(asked, 5, "orders that asked the dead terminal");
    // From now on orders are answered at once: nothing asked, nothing executed.
    for _ in 0..3 {
        let (_, reply, took) = order(&mut sent);
        assert_unavailable(&reply);
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains("circuit breaker open"), "{message}");
        assert!(took < AT_ONCE, "answered in {took:?}, not at once: {reply}");
    }

    // The terminal comes back on its books; orders are refused (or probe) until one fills.
    let _terminal = start_terminal(&terminal_at, dir.path(), &[]);
    let back = Instant::now();
    let filled = loop {
        let (req_id, reply, _) = order(&mut sent);
        if reply["ok"] == true {
            break req_id;
        }
        assert_unavailable(&reply);
        let waited = back.elapsed();
        assert!(
            waited < OPEN_FOR + PROBE_SLACK,
            "no fill {waited:?} after the terminal's return: {reply}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    let resumed = back.elapsed();
    assert!(resumed < OPEN_FOR + PROBE_SLACK, "{resumed:?}");

    // Exactly once. Each order answered "retryable" executed nothing, so far...
    let filled_before = [sent[0], filled];
    for req_id in sent.iter().filter(|r| !filled_before.contains(r)) {
        assert_eq!(deals_for(&context, &terminal_at, *req_id), [], "{req_id}");
    }
    // ...and sent again with its own req_id, each executes once, as the filled ones did.
    let mut client = common::client(&context, &gateway_at, Duration::from_secs(2));
    let order_spec = common::market("EURUSD", OrderType::Buy, 0.01);
    let mut deals = Vec::new();
    for req_id in &sent {
        let reply = client.send_order(*req_id, &order_spec).unwrap();
        assert!(reply.ok, "{req_id}: {reply:?}");
        let result = reply.result.unwrap();
        let booked = deals_for(&context, &terminal_at, *req_id);
        assert_eq!(booked.len(), 1, "{req_id}: {booked:?}");
        assert_eq!(result["deal"], booked[0].ticket, "{result}");
        deals.push(booked[0].ticket);
    }
    // No deal on the books that no order explains.
    let mut on_books: Vec<u64> = books(&context, &terminal_at)
        .deals
        .iter()
        .map(|d| d.ticket)
        .collect();
    on_books.sort_unstable();
    deals.sort_unstable();
    assert_eq!(on_books, deals);
    println!(
        "{} orders; trading resumed {resumed:?} after the terminal's return (open period {OPEN_FOR:?})",
        sent.len()
    );
    gateway.kill_9();
}
