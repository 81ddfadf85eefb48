//! One client that sends requests and never reads its replies must not stall anyone else: while
//! it holds 100,000 unread requests, another client's PINGs are all answered, with and without a
//! shared key, and refused requests do not flood the log.
//!
//! A stalled gateway leaves PINGs unanswered for as long as the greedy client does not read, so
//! the test asks for liveness with a generous timeout, not for speed: how fast the PINGs are
//! answered meanwhile is measured by `cargo bench -p gateway-example --bench fairness`.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::flood::pings_during_flood;
use common::{options, TestGateway};
use gateway_example::security::SharedKey;

/// Longer than any PING takes on a loaded machine, far shorter than a stall.
const PING_TIMEOUT: Duration = Duration::from_secs(5);
/// Unanswered PINGs after which the gateway is known to be stalled.
const MAX_UNANSWERED: usize = 2;
const KEY: &str = "fairness-test-key-of-32-bytes!!!";
/// One flood at a time: two at once would compete for the same two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

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

#[test]
fn a_client_that_never_reads_does_not_stall_the_others() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let gateway = TestGateway::start(&options(None, 0.0, 31));
    let gw = &gateway.running.gateway;
    let pings = pings_during_flood(gw, &gateway.endpoint(), None, PING_TIMEOUT, MAX_UNANSWERED);
    assert_eq!(
        pings.unanswered,
        0,
        "PINGs unanswered for {PING_TIMEOUT:?} during the flood ({} answered)",
        pings.answered.len()
    );
    let counters = gw.counters().snapshot();
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
    let gateway = TestGateway::start(&opts);
    let gw = &gateway.running.gateway;
    let started = Instant::now();
    let pings = pings_during_flood(
        gw,
        &gateway.endpoint(),
        Some(&key),
        PING_TIMEOUT,
        MAX_UNANSWERED,
    );
    assert_eq!(pings.unanswered, 0, "PINGs unanswered during the flood");
    let counters = gw.counters().snapshot();
    assert!(counters.unauthorized > 0, "{counters:?}");
    // At most a line a second per kind of refusal, and a few more for the summaries.
    let allowed = 3 * (started.elapsed().as_secs() as usize + 2);
    let lines = REFUSAL_LINES.load(Ordering::Relaxed);
    assert!(
        lines <= allowed,
        "{lines} log lines about refused requests, at most {allowed} allowed"
    );
}
