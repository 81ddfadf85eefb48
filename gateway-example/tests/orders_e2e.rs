//! Orders over real loopback sockets: fills, lost replies, ambiguous retcodes, concurrent resends.

mod common;

use std::time::Duration;

use common::{market, options, TestGateway};
use gateway_example::execution::order_comment;
use gateway_example::protocol::Reply;
use gateway_example::terminal::{Fault, OrderType};
use serde_json::json;
use uuid::Uuid;

fn deals_for(gateway: &TestGateway, req_id: Uuid) -> Vec<u64> {
    let tag = order_comment(req_id);
    gateway
        .running
        .terminal
        .audit_deals()
        .into_iter()
        .filter(|d| d.comment == tag)
        .map(|d| d.ticket)
        .collect()
}

#[test]
fn ping_and_a_clean_order_fill_once() {
    let gateway = TestGateway::start(&options(None, 0.0, 1));
    let mut client = gateway.client(Duration::from_secs(2));
    let pong = client
        .call(&json!({"action": "PING", "req_id": Uuid::new_v4()}))
        .unwrap();
    assert!(pong.ok);
    let req_id = Uuid::new_v4();
    let reply = client
        .send_order(req_id, &market("EURUSD", OrderType::Buy, 0.01))
        .unwrap();
    assert!(reply.ok, "{reply:?}");
    let result = reply.result.unwrap();
    assert_eq!(result["status"], "filled");
    assert_eq!(
        deals_for(&gateway, req_id),
        vec![result["deal"].as_u64().unwrap()]
    );
}

#[test]
fn a_resent_req_id_gets_the_stored_reply_and_no_second_deal() {
    let gateway = TestGateway::start(&options(None, 0.0, 2));
    let mut client = gateway.client(Duration::from_secs(2));
    let req_id = Uuid::new_v4();
    let order = market("GBPUSD", OrderType::Sell, 0.03);
    let first = client.send_order(req_id, &order).unwrap();
    let second = client.send_order(req_id, &order).unwrap();
    assert_eq!(first, second);
    assert_eq!(deals_for(&gateway, req_id).len(), 1);
    let counters = gateway.running.gateway.counters().snapshot();
    assert_eq!(counters.replayed_from_journal, 1);
}

#[test]
fn every_ambiguous_outcome_is_reconciled_to_one_deal() {
    let gateway = TestGateway::start(&options(None, 0.0, 3));
    let mut client = gateway.client(Duration::from_secs(2));
    for fault in [
        Fault::ExecutedThenTimeoutRetcode,
        Fault::ExecutedThenErrorRetcode,
        Fault::ExecutedThenReplyLost,
        Fault::ExecutedThenDisconnected,
        Fault::ConnectionLostBeforeSend,
    ] {
        gateway.running.terminal.inject([fault]);
        let req_id = Uuid::new_v4();
        let reply = client
            .send_order(req_id, &market("EURUSD", OrderType::Buy, 0.02))
            .unwrap();
        assert!(reply.ok, "{fault:?}: {reply:?}");
        let result = reply.result.unwrap();
        let executed_before_the_fault = fault != Fault::ConnectionLostBeforeSend;
        assert_eq!(result["reconciled"], executed_before_the_fault, "{fault:?}");
        assert_eq!(
            deals_for(&gateway, req_id),
            vec![result["deal"].as_u64().unwrap()],
            "{fault:?}"
        );
    }
}

#[test]
fn an_unreachable_history_answers_outcome_unknown_then_the_resend_settles_it() {
    let gateway = TestGateway::start(&options(None, 0.0, 4));
    let mut client = gateway.client(Duration::from_secs(2));
    let req_id = Uuid::new_v4();
    // The reply is lost, then every lookup of the fast policy's 6 attempts fails.
    gateway
        .running
        .terminal
        .inject([Fault::ExecutedThenReplyLost]);
    gateway.running.terminal.inject_query_failures(6);
    let body = json!({"action": "ORDER_SEND", "req_id": req_id,
                      "payload": market("USDJPY", OrderType::Buy, 0.05)});
    let unknown: Reply = client.call(&body).unwrap();
    assert_eq!(unknown.error_code(), Some("outcome_unknown"), "{unknown:?}");
    assert!(unknown.error.as_ref().unwrap().retryable);
    let settled = client.call(&body).unwrap();
    assert!(settled.ok, "{settled:?}");
    assert_eq!(settled.result.as_ref().unwrap()["reconciled"], true);
    assert_eq!(deals_for(&gateway, req_id).len(), 1);
}

#[test]
fn lost_replies_are_resent_by_the_client_and_answered_from_the_journal() {
    let mut opts = options(None, 0.0, 5);
    opts.router.reply_drop_rate = 0.5;
    opts.router.seed = 99;
    let gateway = TestGateway::start(&opts);
    let mut client = gateway.client(Duration::from_millis(300));
    let mut fills = Vec::new();
    for _ in 0..12 {
        let req_id = Uuid::new_v4();
        let reply = client
            .send_order(req_id, &market("EURUSD", OrderType::Buy, 0.01))
            .unwrap();
        assert!(reply.ok, "{reply:?}");
        let deal = reply.result.unwrap()["deal"].as_u64().unwrap();
        assert_eq!(deals_for(&gateway, req_id), vec![deal]);
        fills.push(deal);
    }
    let counters = gateway.running.gateway.counters().snapshot();
    assert!(counters.replies_dropped > 0, "{counters:?}");
    assert!(client.transport().reconnects() >= counters.replies_dropped);
    assert!(
        counters.duplicates_prevented() >= counters.replies_dropped,
        "{counters:?}"
    );
}

#[test]
fn concurrent_copies_of_one_order_execute_once() {
    let gateway = TestGateway::start(&options(None, 0.0, 6));
    // Slow the one execution so that the copies overlap it.
    gateway
        .running
        .terminal
        .inject([Fault::Latency(Duration::from_millis(300))]);
    let req_id = Uuid::new_v4();
    let order = market("XAUUSD", OrderType::Buy, 0.10);
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let mut client = gateway.client(Duration::from_secs(2));
                let order = order.clone();
                scope.spawn(move || client.send_order(req_id, &order).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        replies.iter().all(|r| r == &replies[0] && r.ok),
        "{replies:?}"
    );
    assert_eq!(deals_for(&gateway, req_id).len(), 1);
    let counters = gateway.running.gateway.counters().snapshot();
    assert_eq!(
        counters.joined_in_flight + counters.replayed_from_journal,
        3
    );
}

#[test]
fn a_reply_lost_with_its_socket_is_the_same_fill_on_resend() {
    let gateway = TestGateway::start(&options(None, 0.0, 7));
    let req_id = Uuid::new_v4();
    let order = market("EURUSD", OrderType::Sell, 0.04);
    let body = json!({"action": "ORDER_SEND", "req_id": req_id, "payload": order}).to_string();
    {
        // The first copy's socket closes before its reply arrives: the reply is lost.
        let socket = gateway.context.socket(zmq::REQ).unwrap();
        socket.set_linger(0).unwrap();
        socket.connect(&gateway.endpoint()).unwrap();
        socket.send(body.as_bytes(), 0).unwrap();
        const EXECUTION_BOUND: Duration = Duration::from_secs(10);
        let deadline = std::time::Instant::now() + EXECUTION_BOUND;
        while deals_for(&gateway, req_id).is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "first copy not executed within the bound of {EXECUTION_BOUND:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let mut client = gateway.client(Duration::from_secs(2));
    let resent = client.send_order(req_id, &order).unwrap();
    let deal = resent.result.as_ref().unwrap()["deal"].as_u64().unwrap();
    assert_eq!(
        deals_for(&gateway, req_id),
        vec![deal],
        "one deal, and it is the one replied"
    );
    let status = client
        .call(&json!({"action": "ORDER_STATUS", "req_id": Uuid::new_v4(), "payload": {"req_id": req_id}}))
        .unwrap();
    let stored: Reply = serde_json::from_value(status.result.unwrap()["reply"].clone()).unwrap();
    assert_eq!(
        stored, resent,
        "the resend got the stored reply of the first copy"
    );
}

#[test]
fn a_req_id_comes_back_as_it_was_sent_and_each_spelling_executes_once() {
    let gateway = TestGateway::start(&options(None, 0.0, 8));
    let mut client = gateway.client(Duration::from_secs(2));
    let req_id = Uuid::new_v4();
    let spellings = [
        req_id.hyphenated().to_string().to_uppercase(),
        req_id.braced().to_string(),
        req_id.simple().to_string(),
        req_id.urn().to_string(),
        req_id.to_string(),
    ];
    let order = market("EURUSD", OrderType::Buy, 0.01);
    for spelling in &spellings {
        let body = json!({"action": "ORDER_SEND", "req_id": spelling, "payload": order});
        let reply = client.call(&body).unwrap();
        assert!(reply.ok, "{spelling}: {reply:?}");
        let echoed = serde_json::to_value(&reply).unwrap()["req_id"].clone();
        assert_eq!(echoed, json!(spelling));
        let ping = client
            .call(&json!({"action": "PING", "req_id": spelling}))
            .unwrap();
        assert_eq!(
            serde_json::to_value(&ping).unwrap()["req_id"],
            json!(spelling)
        );
    }
    assert_eq!(
        deals_for(&gateway, req_id).len(),
        1,
        "one order, five spellings"
    );
}
