//! The terminal and the gateway as two processes, each killed with `kill -9` in the middle of an
//! order and restarted where it was: the order still executes exactly once.
//!
//! Every step waits on something observable (a log line, the books, a reply) with a generous
//! deadline; no fixed sleep decides an outcome. The books are read through the link's audit
//! call, which is fault-free and not a trading call.

mod common;

use std::time::Duration;

use common::processes::{deals_for, wait_until};
use common::processes::{gateway as start_gateway, terminal as start_terminal};
use gateway_example::terminal::OrderType;
use serde_json::json;
use uuid::Uuid;

/// Logged by the terminal when an `order_send` reaches the simulator.
const ORDER_STARTED: &str = "order_send started";

fn order() -> gateway_example::protocol::OrderSpec {
    common::market("EURUSD", OrderType::Buy, 0.03)
}

fn endpoint() -> String {
    format!("tcp://127.0.0.1:{}", common::free_port())
}

/// Sends an order on a bare REQ socket and leaves without reading the reply.
fn send_and_forget(context: &zmq::Context, endpoint: &str, req_id: Uuid) -> zmq::Socket {
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(endpoint).unwrap();
    let body = json!({"action": "ORDER_SEND", "req_id": req_id, "payload": order()});
    socket.send(body.to_string().as_bytes(), 0).unwrap();
    socket
}

/// A patient client: fast retries, resends until a final answer, within 20 s.
fn resend(context: &zmq::Context, endpoint: &str, req_id: Uuid) -> serde_json::Value {
    let reply = common::client(context, endpoint, Duration::from_secs(2))
        .send_order(req_id, &order())
        .unwrap();
    assert!(reply.ok, "{reply:?}");
    reply.result.unwrap()
}

#[test]
fn a_gateway_killed_while_the_terminal_holds_its_order_gets_the_fill_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (terminal_at, gateway_at) = (endpoint(), endpoint());
    // The terminal holds the first order 4 s before it executes it: the gateway dies, and its
    // successor starts, before that.
    let terminal = start_terminal(&terminal_at, dir.path(), &["--script", "latency-4000"]);
    let (gateway, _) = start_gateway(&gateway_at, &terminal_at, dir.path(), &[]);
    let context = zmq::Context::new();
    let req_id = Uuid::new_v4();
    let _unread = send_and_forget(&context, &gateway_at, req_id);
    wait_until("the order reached the terminal", || {
        terminal.log().contains(ORDER_STARTED)
    });
    gateway.kill_9();

    // Restarted at once, while the terminal still holds the order: its recovery's lookup waits
    // for the order to finish instead of reporting it missing.
    let patient = ["--terminal-query-timeout", "30"];
    let (gateway, recovered) = start_gateway(&gateway_at, &terminal_at, dir.path(), &patient);
    assert_eq!(recovered["pending"], 1, "{recovered}");
    assert_eq!(recovered["found_executed"], 1, "{recovered}");
    // The terminal completed the order with nobody left to answer.
    let booked = deals_for(&context, &terminal_at, req_id);
    assert_eq!(booked.len(), 1, "{booked:?}");
    let result = resend(&context, &gateway_at, req_id);
    assert_eq!(result["reconciled"], true, "{result}");
    assert_eq!(result["deal"], booked[0].ticket, "{result}");
    gateway.kill_9();
    assert_eq!(deals_for(&context, &terminal_at, req_id), booked);
}

/// Sends an order through the gateway from another thread, kills the terminal once `booked`
/// says so, restarts it on its books, and returns the client's final answer and the deals.
fn kill_the_terminal_mid_order(
    script: &str,
    killed_when: &str,
    booked: fn(&zmq::Context, &str, Uuid, &str) -> bool,
) -> (serde_json::Value, Vec<gateway_example::terminal::Deal>) {
    let dir = tempfile::tempdir().unwrap();
    let (terminal_at, gateway_at) = (endpoint(), endpoint());
    let first = start_terminal(&terminal_at, dir.path(), &["--script", script]);
    // order_send gives up after 2 s: the gateway then looks the order up before it resends.
    let link = [
        "--terminal-order-timeout",
        "2",
        "--terminal-query-timeout",
        "1",
    ];
    let (gateway, _) = start_gateway(&gateway_at, &terminal_at, dir.path(), &link);
    let context = zmq::Context::new();
    let req_id = Uuid::new_v4();
    let result = std::thread::scope(|scope| {
        let client = scope.spawn(|| resend(&context, &gateway_at, req_id));
        wait_until(killed_when, || {
            booked(&context, &terminal_at, req_id, &first.log())
        });
        first.kill_9();
        let _restarted = start_terminal(&terminal_at, dir.path(), &[]);
        let result = client.join().unwrap();
        let deals = deals_for(&context, &terminal_at, req_id);
        (result, deals)
    });
    gateway.kill_9();
    result
}

#[test]
fn a_terminal_killed_before_it_books_the_order_executes_it_once_after_restart() {
    let (result, deals) = kill_the_terminal_mid_order(
        "latency-20000",
        "the order is held in the terminal",
        |_, _, _, log| log.contains(ORDER_STARTED),
    );
    assert_eq!(result["status"], "filled", "{result}");
    assert_eq!(result["reconciled"], false, "sent again: {result}");
    assert_eq!(deals.len(), 1, "{deals:?}");
    assert_eq!(result["deal"], deals[0].ticket);
}

#[test]
fn a_terminal_killed_after_booking_but_before_answering_is_reconciled_not_resent() {
    let (result, deals) = kill_the_terminal_mid_order(
        "executed-then-slow-reply-20000",
        "the order is booked but not answered",
        |context, terminal_at, req_id, _| !deals_for(context, terminal_at, req_id).is_empty(),
    );
    assert_eq!(result["status"], "filled", "{result}");
    assert_eq!(result["reconciled"], true, "found on the books: {result}");
    assert_eq!(deals.len(), 1, "{deals:?}");
    assert_eq!(result["deal"], deals[0].ticket);
}
