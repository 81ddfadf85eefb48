//! A client round trip never outlives its call's budget: each attempt waits for its reply for
//! the shorter of the reply timeout and the time its call has left. An order client whose
//! resends the retry budget refuses does not give up on its order: it asks again later.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_example::execution::scaled_policy;
use gateway_example::protocol::OrderSpec;
use gateway_example::terminal::OrderType;
use gateway_example::transport::{
    ClientError, ClientOptions, LazyPirateClient, OrderClient, OUTCOME_POLICY,
};
use serde_json::json;
use uuid::Uuid;
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

/// Requests the fake gateway leaves unanswered: the round trip's first attempt and the one
/// resend its budget grants.
const UNANSWERED: usize = 2;

/// A gateway that never answers the first [`UNANSWERED`] requests it gets and answers every
/// later one `ok` with the request's `req_id`, until told to stop; it counts the requests.
struct DropsTheFirstRequests {
    endpoint: String,
    got: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl DropsTheFirstRequests {
    fn start(context: &zmq::Context) -> DropsTheFirstRequests {
        let (socket, endpoint) = silent_endpoint(context);
        let (got, stop) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (counted, stopped) = (Arc::clone(&got), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                if socket.poll(zmq::POLLIN, 20).unwrap() == 0 {
                    continue;
                }
                let mut frames = socket.recv_multipart(0).unwrap();
                if counted.fetch_add(1, Ordering::Relaxed) < UNANSWERED {
                    continue;
                }
                let request: serde_json::Value =
                    serde_json::from_slice(frames.last().unwrap()).unwrap();
                let reply = json!({"req_id": request["req_id"], "ok": true, "result": {}});
                *frames.last_mut().unwrap() = reply.to_string().into_bytes();
                socket.send_multipart(frames, 0).unwrap();
            }
        });
        DropsTheFirstRequests {
            endpoint,
            got,
            stop,
            thread,
        }
    }

    /// Stops it; the requests it got.
    fn stop(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap();
        self.got.load(Ordering::Relaxed)
    }
}

#[test]
fn an_order_client_whose_resends_the_budget_refuses_asks_again_later_and_learns_the_outcome() {
    let context = zmq::Context::new();
    let gateway = DropsTheFirstRequests::start(&context);
    // A budget of its own that grants the round trip one resend and refuses the next, as one
    // drained by a storm does: the round trip retried, then gave up on its budget.
    let one_resend = Policy::builder()
        .max_retries(10)
        .initial_wait(Duration::from_millis(10))
        .max_wait(Duration::from_millis(10))
        .budget_ratio(0.0)
        .budget_min_per_second(1)
        .budget_window(Duration::from_secs(1))
        .shared_budget("client_budget_test.one_resend")
        .build()
        .unwrap();
    let options = ClientOptions {
        // Ample for a fake gateway that answers at once, so only the first request goes unanswered.
        reply_timeout: Duration::from_millis(500),
        policy: one_resend,
        ..ClientOptions::new(gateway.endpoint.clone())
    };
    let outcome = scaled_policy(OUTCOME_POLICY, 0.05);
    let mut client = OrderClient::new(LazyPirateClient::new(&context, options), outcome);
    let req_id = Uuid::new_v4();
    let order = OrderSpec::market("EURUSD", OrderType::Buy, 0.01);
    let reply = client
        .send_order(req_id, &order)
        .expect("the order's outcome, learnt by asking again after the refusal");
    assert!(reply.ok, "{reply:?}");
    assert_eq!(reply.req_id.map(|id| id.uuid()), Some(req_id));
    // The budget held: the round trip resent once; the last request is the later ask.
    drop(client);
    assert_eq!(gateway.stop(), UNANSWERED + 1);
}
