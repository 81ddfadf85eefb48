//! What `retryable` in an error reply promises, over a real socket: `true` means resending the
//! same `req_id` tries again (and still never executes twice); `false` means the reply is final
//! and every resend gets it back unchanged.

mod common;

use std::time::Duration;

use common::{market, options, TestGateway};
use gateway_example::protocol::Reply;
use gateway_example::terminal::{Fault, OrderType};
use serde_json::json;
use uuid::Uuid;
use wait_or_die::Policy;

/// Three attempts, 1 ms apart, and time enough that only the retry count ends a call.
fn three_attempts() -> Policy {
    Policy::builder()
        .max_retries(2)
        .timeout(Duration::from_secs(10))
        .initial_wait(Duration::from_millis(1))
        .max_wait(Duration::from_millis(1))
        .build()
        .unwrap()
}

fn gateway(seed: u64) -> TestGateway {
    let mut opts = options(None, 0.0, seed);
    opts.gateway.execution_policy = three_attempts();
    TestGateway::start(&opts)
}

fn deals(gateway: &TestGateway) -> usize {
    gateway.running.terminal.audit_deals().len()
}

#[test]
fn a_retryable_failure_is_tried_again_on_a_resend_of_the_same_req_id() {
    let gateway = gateway(41);
    gateway
        .running
        .terminal
        .inject([Fault::Requote, Fault::Requote, Fault::Requote]);
    let mut client = gateway.client(Duration::from_secs(5));
    let req_id = Uuid::new_v4();
    let body = json!({"action": "ORDER_SEND", "req_id": req_id,
                      "payload": market("EURUSD", OrderType::Buy, 0.01)});
    let gave_up: Reply = client.call(&body).unwrap();
    assert_eq!(
        gave_up.error_code(),
        Some("TRADE_RETCODE_REQUOTE"),
        "{gave_up:?}"
    );
    assert!(gave_up.error.as_ref().unwrap().retryable);
    assert_eq!(deals(&gateway), 0);

    let resent = client.call(&body).unwrap();
    assert!(resent.ok, "the resend tried again: {resent:?}");
    assert_eq!(deals(&gateway), 1);
    // Once filled, the fill is final: a further resend replays it and executes nothing.
    assert_eq!(client.call(&body).unwrap(), resent);
    assert_eq!(deals(&gateway), 1);
}

#[test]
fn a_final_failure_is_replayed_unchanged_and_executes_nothing() {
    let gateway = gateway(42);
    let mut client = gateway.client(Duration::from_secs(5));
    // Far beyond the account's margin: the trade server refuses it for good.
    let body = json!({"action": "ORDER_SEND", "req_id": Uuid::new_v4(),
                      "payload": market("EURUSD", OrderType::Buy, 90.0)});
    let refused: Reply = client.call(&body).unwrap();
    assert_eq!(
        refused.error_code(),
        Some("TRADE_RETCODE_NO_MONEY"),
        "{refused:?}"
    );
    assert!(!refused.error.as_ref().unwrap().retryable);
    assert_eq!(client.call(&body).unwrap(), refused);
    let counters = gateway.running.gateway.counters().snapshot();
    assert_eq!(counters.replayed_from_journal, 1);
    assert_eq!(deals(&gateway), 0);
}
