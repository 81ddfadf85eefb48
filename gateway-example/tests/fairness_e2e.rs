//! One client that sends requests and never reads its replies must not stall anyone else: while it
//! holds 100,000 unread requests, another client's PINGs keep a p99 under 50 ms, with and without
//! a shared key, and refused requests do not flood the log.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{options, TestGateway};
use gateway_example::clock::unix_ms;
use gateway_example::protocol::Reply;
use gateway_example::security::SharedKey;
use serde_json::json;
use uuid::Uuid;

/// Requests the greedy client sends without ever reading a reply.
const FLOOD: usize = 100_000;
/// The bound the well-behaved client's PING round trips must keep, at the 99th percentile.
const P99_BOUND: Duration = Duration::from_millis(50);
/// PINGs measured at least, so that one descheduled thread on a loaded machine is not the p99.
const MIN_PINGS: usize = 400;
/// A PING unanswered this long counts as this long, and its socket is replaced.
const PING_TIMEOUT: Duration = Duration::from_secs(1);
/// Enough timeouts to know the gateway is stalled: stop measuring rather than wait it out.
const MAX_TIMEOUTS: usize = 5;
/// Measurement rounds at most, each with a fresh gateway and flood.
const ROUNDS: usize = 3;
const KEY: &str = "fairness-test-key-of-32-bytes!!!";
/// One flood at a time: two at once would measure each other.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn ping_body() -> Vec<u8> {
    json!({"action": "PING", "req_id": Uuid::new_v4()})
        .to_string()
        .into_bytes()
}

/// Sends `FLOOD` PINGs on a DEALER socket and never reads: unsigned, so a keyed gateway refuses
/// every one of them.
fn flood(endpoint: String) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let context = zmq::Context::new();
        let greedy = context.socket(zmq::DEALER).unwrap();
        greedy.set_linger(0).unwrap();
        greedy.connect(&endpoint).unwrap();
        for _ in 0..FLOOD {
            greedy.send_multipart([&b""[..], &ping_body()], 0).unwrap();
        }
        // Keep the connection (and its unread replies) until the test ends.
        std::thread::sleep(Duration::from_secs(3600));
    })
}

/// One PING round trip on a REQ socket; `None` after `PING_TIMEOUT`.
fn ping(socket: &zmq::Socket, key: Option<&SharedKey>) -> Option<Duration> {
    let body = ping_body();
    let started = Instant::now();
    match key {
        Some(key) => socket.send_multipart([&body[..], &key.sign(&body, unix_ms())], 0),
        None => socket.send(&body[..], 0),
    }
    .unwrap();
    if socket
        .poll(zmq::POLLIN, PING_TIMEOUT.as_millis() as i64)
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

/// PING latencies measured while a greedy client floods the gateway, until the gateway has taken
/// in the whole flood and at least `MIN_PINGS` were measured (or it stalled).
fn pings_during_flood(gateway: &TestGateway, key: Option<&SharedKey>) -> Vec<Duration> {
    let endpoint = gateway.endpoint();
    let _greedy = flood(endpoint.clone());
    let context = zmq::Context::new();
    let mut socket = req_socket(&context, &endpoint);
    let mut latencies = Vec::new();
    let mut timeouts = 0;
    let counters = gateway.running.gateway.counters();
    let taken_in = || {
        let c = counters.snapshot();
        c.requests + c.refused_busy
    };
    while latencies.len() < MIN_PINGS || taken_in() < FLOOD as u64 {
        match ping(&socket, key) {
            Some(latency) => latencies.push(latency),
            None => {
                latencies.push(PING_TIMEOUT);
                timeouts += 1;
                if timeouts >= MAX_TIMEOUTS {
                    break;
                }
                socket = req_socket(&context, &endpoint);
            }
        }
    }
    latencies.sort_unstable();
    latencies
}

fn p99(sorted: &[Duration]) -> Duration {
    let rank = (sorted.len() * 99).div_ceil(100).saturating_sub(1);
    sorted[rank]
}

/// Log lines of this test binary that mention a refused request.
static REFUSAL_LINES: AtomicUsize = AtomicUsize::new(0);

struct LineCounter;

impl Write for LineCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let lines = text.lines().filter(|l| l.contains("refused")).count();
        REFUSAL_LINES.fetch_add(lines, Ordering::Relaxed);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn count_log_lines() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    static SET: AtomicBool = AtomicBool::new(false);
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(|| LineCounter)
            .finish();
        SET.store(
            tracing::subscriber::set_global_default(subscriber).is_ok(),
            Ordering::Relaxed,
        );
    });
    assert!(SET.load(Ordering::Relaxed), "the log counter is installed");
}

/// Runs `scenario` (a fresh gateway, a flood and pings) until its p99 is within the bound, at
/// most [`ROUNDS`] times, and returns the round that was. A stalled gateway misses the bound in
/// every round (its p99 is the 1 s ping timeout); a machine busy with other work can spoil one
/// round's tail, not all of them.
fn best_round<T>(what: &str, mut scenario: impl FnMut() -> (Vec<Duration>, T)) -> T {
    let mut p99s = Vec::new();
    for _ in 0..ROUNDS {
        let (latencies, outcome) = scenario();
        let p99 = p99(&latencies);
        eprintln!(
            "{what}: {} pings, p50 {:?}, p99 {p99:?}, max {:?}",
            latencies.len(),
            latencies[latencies.len() / 2],
            latencies[latencies.len() - 1]
        );
        if p99 < P99_BOUND {
            return outcome;
        }
        p99s.push(p99);
    }
    panic!("{what}: PING p99 over {P99_BOUND:?} in every round: {p99s:?}");
}

#[test]
fn a_client_that_never_reads_does_not_stall_the_others() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let gateway = best_round("unkeyed", || {
        let gateway = TestGateway::start(&options(None, 0.0, 31));
        (pings_during_flood(&gateway, None), gateway)
    });
    let counters = gateway.running.gateway.counters().snapshot();
    assert!(
        counters.replies_peer_full > 0,
        "the greedy client's queue filled: {counters:?}"
    );
}

#[test]
fn a_keyed_gateway_refusing_a_flood_still_serves_and_logs_little() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    count_log_lines();
    let key = SharedKey::new(KEY).unwrap();
    let mut opts = options(None, 0.0, 32);
    opts.gateway.key = Some(key.clone());
    let (gateway, started) = best_round("keyed", || {
        REFUSAL_LINES.store(0, Ordering::Relaxed);
        let gateway = TestGateway::start(&opts);
        let started = Instant::now();
        (pings_during_flood(&gateway, Some(&key)), (gateway, started))
    });
    let counters = gateway.running.gateway.counters().snapshot();
    assert!(counters.unauthorized > 0, "{counters:?}");
    // At most a line a second per kind of refusal, and a few more for the summaries.
    let allowed = 3 * (started.elapsed().as_secs() as usize + 2);
    let lines = REFUSAL_LINES.load(Ordering::Relaxed);
    assert!(
        lines <= allowed,
        "{lines} log lines about refused requests, at most {allowed} allowed"
    );
}
