//! A client that floods the gateway and never reads its replies, and a well-behaved client's
//! PINGs measured meanwhile: shared by the fairness test (which asserts that every PING is
//! answered) and the fairness benchmark (which reports how fast).

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gateway_example::clock::unix_ms;
use gateway_example::gateway::Gateway;
use gateway_example::protocol::Reply;
use gateway_example::security::SharedKey;
use serde_json::json;
use uuid::Uuid;

/// Requests the greedy client sends without ever reading a reply.
pub const FLOOD: usize = 100_000;
/// PINGs measured at least.
pub const MIN_PINGS: usize = 400;

fn ping_body() -> Vec<u8> {
    json!({"action": "PING", "req_id": Uuid::new_v4()})
        .to_string()
        .into_bytes()
}

/// Sends `FLOOD` PINGs on a DEALER socket and never reads: unsigned, so a keyed gateway refuses
/// every one of them.
pub fn flood(endpoint: String) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let context = zmq::Context::new();
        let greedy = context.socket(zmq::DEALER).unwrap();
        greedy.set_linger(0).unwrap();
        greedy.connect(&endpoint).unwrap();
        for _ in 0..FLOOD {
            greedy.send_multipart([&b""[..], &ping_body()], 0).unwrap();
        }
        // Keep the connection (and its unread replies) until the process ends.
        std::thread::sleep(Duration::from_secs(3600));
    })
}

/// One PING round trip on a REQ socket; `None` when no reply came within `timeout`.
fn ping(socket: &zmq::Socket, key: Option<&SharedKey>, timeout: Duration) -> Option<Duration> {
    let body = ping_body();
    let started = Instant::now();
    match key {
        Some(key) => socket.send_multipart([&body[..], &key.sign(&body, unix_ms())], 0),
        None => socket.send(&body[..], 0),
    }
    .unwrap();
    if socket
        .poll(zmq::POLLIN, timeout.as_millis() as i64)
        .unwrap()
        == 0
    {
        return None;
    }
    let frames = socket.recv_multipart(0).unwrap();
    let elapsed = started.elapsed();
    let reply: Reply = serde_json::from_slice(&frames[0]).unwrap();
    assert!(reply.ok, "{reply:?}");
    Some(elapsed)
}

fn req_socket(context: &zmq::Context, endpoint: &str) -> zmq::Socket {
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(endpoint).unwrap();
    socket
}

/// What the well-behaved client saw during a flood.
pub struct Pings {
    /// Round trips of the answered PINGs, sorted.
    pub answered: Vec<Duration>,
    /// PINGs with no reply within the timeout.
    pub unanswered: usize,
}

/// PINGs sent while a greedy client floods `gateway` at `endpoint`, until the gateway has taken
/// in the whole flood and at least `MIN_PINGS` were answered, or `max_unanswered` went
/// unanswered within `timeout` each.
pub fn pings_during_flood(
    gateway: &Gateway,
    endpoint: &str,
    key: Option<&SharedKey>,
    timeout: Duration,
    max_unanswered: usize,
) -> Pings {
    let _greedy = flood(endpoint.to_owned());
    let context = zmq::Context::new();
    let mut socket = req_socket(&context, endpoint);
    let mut pings = Pings {
        answered: Vec::new(),
        unanswered: 0,
    };
    let counters = gateway.counters();
    let taken_in = || {
        let c = counters.snapshot();
        c.requests + c.refused_busy
    };
    while pings.answered.len() < MIN_PINGS || taken_in() < FLOOD as u64 {
        match ping(&socket, key, timeout) {
            Some(latency) => pings.answered.push(latency),
            None => {
                pings.unanswered += 1;
                if pings.unanswered >= max_unanswered {
                    break;
                }
                // A REQ socket without its reply cannot send again.
                socket = req_socket(&context, endpoint);
            }
        }
    }
    pings.answered.sort_unstable();
    pings
}

/// The `percent`th percentile of sorted durations.
pub fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    let rank = (sorted.len() * percent).div_ceil(100).saturating_sub(1);
    sorted[rank]
}
