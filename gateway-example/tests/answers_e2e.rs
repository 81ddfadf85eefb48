//! Every answer tells the books' truth: a fill found by reconciliation names its deal.
//!
//! Both processes are the real binary; the books are read through the link's fault-free audit
//! call. Every step waits on something observable with a generous deadline.

mod common;

use std::time::Duration;

use common::processes::{books, gateway as start_gateway, terminal as start_terminal};
use gateway_example::terminal::OrderType;
use uuid::Uuid;

fn endpoint() -> String {
    format!("tcp://127.0.0.1:{}", common::free_port())
}

/// One open through the gateway, resent until final; its `result`.
fn buy(context: &zmq::Context, gateway_at: &str, req_id: Uuid) -> serde_json::Value {
    let order = common::market("EURUSD", OrderType::Buy, 0.01);
    let reply = common::client(context, gateway_at, Duration::from_secs(5))
        .send_order(req_id, &order)
        .unwrap();
    assert!(reply.ok, "{reply:?}");
    reply.result.unwrap()
}

/// The only deal on the terminal's books.
fn the_deal(context: &zmq::Context, terminal_at: &str) -> u64 {
    let deals = books(context, terminal_at).deals;
    assert_eq!(deals.len(), 1, "{deals:?}");
    deals[0].ticket
}

#[test]
fn a_fill_found_through_its_position_names_its_deal() {
    let dir = tempfile::tempdir().unwrap();
    let (terminal_at, gateway_at) = (endpoint(), endpoint());
    // The order executes and its answer is lost; the history shows the deal 300 ms late, so the
    // gateway's lookup finds the position first.
    let broker = [
        "--sim-history-lag-ms",
        "300",
        "--script",
        "executed-then-reply-lost",
    ];
    let _terminal = start_terminal(&terminal_at, dir.path(), &broker);
    let fast = [
        "--time-scale",
        "0.1",
        "--history-lag-ms",
        "400",
        "--terminal-order-timeout",
        "1",
    ];
    let (gateway, _) = start_gateway(&gateway_at, &terminal_at, dir.path(), &fast);
    let context = zmq::Context::new();
    let req_id = Uuid::new_v4();
    let result = buy(&context, &gateway_at, req_id);
    let deal = the_deal(&context, &terminal_at);
    assert_eq!(result["reconciled"], true, "{result}");
    assert_eq!(result["deal"], deal, "{result}");
    // The stored reply, replayed, says the same.
    let replayed = buy(&context, &gateway_at, req_id);
    assert_eq!(replayed, result);
    gateway.kill_9();
}
