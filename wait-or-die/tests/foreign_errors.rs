//! Error types of other crates, which cannot be given `From<EngineError>`, with
//! `on_timeout = "last_error"`: the deadline still bounds the call, on tokio's paused clock.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::{sleep, Instant};
use wait_or_die::{stats, wait_or_die, StopReason};

/// The counters of the site called `name`.
fn site(name: &str) -> stats::SiteStats {
    stats::sites()
        .find(|s| s.name() == name)
        .unwrap_or_else(|| panic!("no site {name}"))
        .snapshot()
}

fn json_error(text: &str) -> serde_json::Error {
    serde_json::from_str::<u32>(text).unwrap_err()
}

/// Attempt 1 fails at once; attempt 2 hangs: the deadline drops it and the call returns
/// attempt 1's error, at the deadline.
#[wait_or_die(
    name = "foreign.hangs_second",
    timeout = "2s",
    max_retries = 5,
    initial_wait = "100ms",
    jitter = "none",
    budget = "none",
    on_timeout = "last_error"
)]
async fn hangs_second(attempts: &AtomicU32) -> Result<u32, serde_json::Error> {
    if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
        return Err(json_error("\"first\""));
    }
    sleep(Duration::from_secs(3600)).await;
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_later_attempt_is_cut_off_and_the_earlier_error_returned() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    let err = hangs_second(&attempts).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert!(err.to_string().contains("invalid type"), "{err}");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    let stats = site("foreign.hangs_second");
    assert_eq!(stats.died_by(StopReason::Deadline), 1);
}

/// Attempt 1 is slow: 1.5 s of a 2 s budget. The budget counts from the call's start, so
/// attempt 2 (which hangs) is cut off at 2 s, not 2 s after attempt 1 failed.
#[wait_or_die(
    name = "foreign.slow_first",
    timeout = "2s",
    max_retries = 5,
    initial_wait = "10ms",
    jitter = "none",
    budget = "none",
    on_timeout = "last_error"
)]
async fn slow_first(attempts: &AtomicU32) -> Result<u16, std::num::ParseIntError> {
    if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
        sleep(Duration::from_millis(1500)).await;
        return "x".parse();
    }
    sleep(Duration::from_secs(3600)).await;
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn the_deadline_counts_from_the_start_of_a_slow_first_attempt() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    let err = slow_first(&attempts).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert_eq!(*err.kind(), std::num::IntErrorKind::InvalidDigit);
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

/// The first attempt has no earlier error to stand in for it: it runs to its own end, and no
/// attempt starts after the deadline.
#[wait_or_die(
    name = "foreign.first_outlives",
    timeout = "1s",
    max_retries = 5,
    initial_wait = "10ms",
    budget = "none",
    on_timeout = "last_error"
)]
async fn first_outlives(attempts: &AtomicU32) -> Result<u16, std::num::ParseIntError> {
    attempts.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_secs(5)).await;
    "x".parse()
}

#[tokio::test(start_paused = true)]
async fn the_first_attempt_runs_to_its_end_and_nothing_starts_after_the_deadline() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    assert!(first_outlives(&attempts).await.is_err());
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(
        site("foreign.first_outlives").died_by(StopReason::Deadline),
        1
    );
}

/// Attempts that fail at once never make the call outlive its budget: the last wait that
/// would cross it is not slept.
#[wait_or_die(
    name = "foreign.fails_fast",
    timeout = "1s",
    max_retries = 100,
    initial_wait = "300ms",
    max_wait = "300ms",
    jitter = "none",
    budget = "none",
    on_timeout = "last_error"
)]
async fn fails_fast(attempts: &AtomicU32) -> Result<u32, serde_json::Error> {
    attempts.fetch_add(1, Ordering::SeqCst);
    Err(json_error("nope"))
}

#[tokio::test(start_paused = true)]
async fn waits_stop_short_of_the_deadline() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    assert!(fails_fast(&attempts).await.is_err());
    // Attempts at 0, 0.3, 0.6, 0.9 s; a fifth would start at 1.2 s, past the budget.
    assert_eq!(attempts.load(Ordering::SeqCst), 4);
    assert_eq!(start.elapsed(), Duration::from_millis(900));
}

/// A success after a cut-off stands: the kept error is only returned if the deadline fires.
#[wait_or_die(
    name = "foreign.recovers",
    timeout = "10s",
    max_retries = 5,
    initial_wait = "10ms",
    budget = "none",
    on_timeout = "last_error"
)]
async fn recovers(attempts: &AtomicU32) -> Result<u32, serde_json::Error> {
    match attempts.fetch_add(1, Ordering::SeqCst) {
        0 => Err(json_error("x")),
        n => {
            sleep(Duration::from_millis(50)).await;
            Ok(n)
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_pending_retry_that_succeeds_before_the_deadline_succeeds() {
    let attempts = AtomicU32::new(0);
    assert_eq!(recovers(&attempts).await.unwrap(), 1);
}
