//! A client round trip never outlives its call's budget: each attempt waits for its reply for
//! the shorter of the reply timeout and the time its call has left.

use std::time::{Duration, Instant};

use gateway_example::transport::{ClientError, ClientOptions, LazyPirateClient};
use wait_or_die::Policy;

/// A ROUTER socket that reads requests and never answers.
fn silent_endpoint(context: &zmq::Context) -> (zmq::Socket, String) {
    let socket = context.socket(zmq::ROUTER).unwrap();
    socket.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = socket.get_last_endpoint().unwrap().unwrap();
    (socket, endpoint)
}

#[test]
fn an_attempt_waits_for_its_reply_no_longer_than_its_call_has_left() {
    const BUDGET: Duration = Duration::from_millis(300);
    let context = zmq::Context::new();
    let (_silent, endpoint) = silent_endpoint(&context);
    let options = ClientOptions {
        reply_timeout: Duration::from_secs(20),
        policy: Policy::builder()
            .timeout(BUDGET)
            .max_retries(3)
            .initial_wait(Duration::from_millis(10))
            .max_wait(Duration::from_millis(10))
            .build()
            .unwrap(),
        ..ClientOptions::new(endpoint)
    };
    let mut client = LazyPirateClient::new(&context, options);
    let started = Instant::now();
    let error = client.request(b"{}").unwrap_err();
    match error {
        // The first attempt's poll is cut to the budget, not the 20 s reply timeout.
        ClientError::ReplyTimeout(waited) => assert!(waited <= BUDGET, "polled for {waited:?}"),
        other => panic!("expected a reply timeout, got {other}"),
    }
    // Generous slack: an attempt polling for the full reply timeout would take 20 s.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn without_a_budget_the_reply_timeout_bounds_each_attempt() {
    let context = zmq::Context::new();
    let (_silent, endpoint) = silent_endpoint(&context);
    let options = ClientOptions {
        reply_timeout: Duration::from_millis(50),
        policy: Policy::builder()
            .no_timeout()
            .max_retries(0)
            .build()
            .unwrap(),
        ..ClientOptions::new(endpoint)
    };
    let mut client = LazyPirateClient::new(&context, options);
    match client.request(b"{}").unwrap_err() {
        ClientError::ReplyTimeout(waited) => assert_eq!(waited, Duration::from_millis(50)),
        other => panic!("expected a reply timeout, got {other}"),
    }
}
