//! Every answer tells the books' truth: a fill found by reconciliation names its deal, and
//! `ORDER_STATUS` lists the records the journal holds for an intent, also when the broker
//! replaced the comment that carried the gateway's tag.
//!
//! Both processes are the real binary; the books are read through the link's fault-free audit
//! call. Every step waits on something observable with a generous deadline.

mod common;

use std::time::Duration;

use common::processes::{books, gateway as start_gateway, terminal as start_terminal, wait_until};
use gateway_example::terminal::OrderType;
use serde_json::json;
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

#[test]
fn order_status_lists_the_records_of_an_open_whose_comment_the_broker_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (terminal_at, gateway_at) = (endpoint(), endpoint());
    let broker = ["--rewrite-comments", "#{ticket}"];
    let _terminal = start_terminal(&terminal_at, dir.path(), &broker);
    let fast = ["--time-scale", "0.1"];
    let (gateway, _) = start_gateway(&gateway_at, &terminal_at, dir.path(), &fast);
    let context = zmq::Context::new();
    let req_id = Uuid::new_v4();
    let result = buy(&context, &gateway_at, req_id);
    let deal = the_deal(&context, &terminal_at);
    assert_eq!(result["deal"], deal, "{result}");
    let ask = json!({"action": "ORDER_STATUS", "req_id": Uuid::new_v4(),
                     "payload": {"req_id": req_id}});
    let mut client = common::client(&context, &gateway_at, Duration::from_secs(5));
    let mut status = json!(null);
    wait_until("ORDER_STATUS lists the deal", || {
        let reply = client.call(&ask).unwrap();
        status = reply.result.unwrap_or_default();
        status["deals"] == json!([deal])
    });
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(status["reply"]["result"]["deal"], deal, "{status}");
    gateway.kill_9();
}
