//! `#[wait_or_die(breaker = ...)]` through the attribute, on tokio's paused clock: functions
//! that name one breaker share it, `breaker = true` gives a site one of its own, and a refused
//! call is an `EngineError` converted into the function's error type, with no attempt run.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use wait_or_die::stats::{self, BreakerState};
use wait_or_die::{wait_or_die, EngineError, EngineErrorKind};

/// Fails when `fail`, counting the attempt in `ran`.
fn attempt(fail: bool, ran: &AtomicU32) -> io::Result<u32> {
    ran.fetch_add(1, SeqCst);
    match fail {
        true => Err(io::Error::from(io::ErrorKind::ConnectionRefused)),
        false => Ok(1),
    }
}

fn state(name: &str) -> Option<BreakerState> {
    stats::breakers()
        .into_iter()
        .find(|b| b.name == name)
        .map(|b| b.state)
}

fn is_breaker_open(err: &io::Error) -> bool {
    EngineError::find(err).map(|e| e.kind()) == Some(EngineErrorKind::BreakerOpen)
}

// Opens at the 5th failure: the first starts the window, which then needs 4 attempts (all
// failing, above the ratio of ½). Open for 2 s; one attempt per call.
#[wait_or_die(
    breaker = "macro.terminal",
    breaker_min_calls = 4,
    breaker_open_for = "2s",
    max_retries = 0,
    budget = "none"
)]
async fn place(fail: bool, ran: &AtomicU32) -> io::Result<u32> {
    attempt(fail, ran)
}

#[wait_or_die(
    breaker = "macro.terminal",
    breaker_min_calls = 4,
    breaker_open_for = "2s",
    max_retries = 0,
    budget = "none"
)]
async fn cancel(fail: bool, ran: &AtomicU32) -> io::Result<u32> {
    attempt(fail, ran)
}

#[tokio::test(start_paused = true)]
async fn functions_naming_one_breaker_share_it() {
    let (placed, cancelled) = (AtomicU32::new(0), AtomicU32::new(0));
    for _ in 0..5 {
        assert!(!is_breaker_open(&place(true, &placed).await.unwrap_err()));
    }
    assert_eq!(state("macro.terminal"), Some(BreakerState::Open));
    // The other function never failed, yet is refused at once: no attempt, no wait.
    let t0 = tokio::time::Instant::now();
    let err = cancel(false, &cancelled).await.unwrap_err();
    assert!(is_breaker_open(&err), "{err}");
    assert_eq!(
        (cancelled.load(SeqCst), tokio::time::Instant::now()),
        (0, t0)
    );
    // After the open period one probe runs; it succeeds and closes the breaker for both.
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(cancel(false, &cancelled).await.unwrap(), 1);
    assert_eq!(state("macro.terminal"), Some(BreakerState::Closed));
    assert_eq!(place(false, &placed).await.unwrap(), 1);
    assert_eq!((placed.load(SeqCst), cancelled.load(SeqCst)), (6, 1));
}

#[wait_or_die(
    name = "macro.own_a",
    breaker = true,
    breaker_min_calls = 4,
    max_retries = 0,
    budget = "none"
)]
async fn own_a(fail: bool, ran: &AtomicU32) -> io::Result<u32> {
    attempt(fail, ran)
}

#[wait_or_die(
    name = "macro.own_b",
    breaker = true,
    breaker_min_calls = 4,
    max_retries = 0,
    budget = "none"
)]
async fn own_b(fail: bool, ran: &AtomicU32) -> io::Result<u32> {
    attempt(fail, ran)
}

#[tokio::test(start_paused = true)]
async fn breaker_true_gives_each_site_its_own() {
    let (a, b) = (AtomicU32::new(0), AtomicU32::new(0));
    for _ in 0..5 {
        own_a(true, &a).await.unwrap_err();
    }
    assert_eq!(state("macro.own_a"), Some(BreakerState::Open));
    assert!(is_breaker_open(&own_a(false, &a).await.unwrap_err()));
    assert_eq!(a.load(SeqCst), 5);
    // The other site's breaker saw none of it.
    assert_eq!(own_b(false, &b).await.unwrap(), 1);
    assert_ne!(state("macro.own_b"), Some(BreakerState::Open));
    // The default open period (5 s) has not passed after 4 s, and has after 5 s.
    tokio::time::advance(Duration::from_secs(4)).await;
    assert!(is_breaker_open(&own_a(false, &a).await.unwrap_err()));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(own_a(false, &a).await.unwrap(), 1);
    assert_eq!(a.load(SeqCst), 6);
}

#[wait_or_die(breaker = false, timeout = "none", max_retries = 0, budget = "none")]
async fn no_breaker(fail: bool, ran: &AtomicU32) -> io::Result<u32> {
    attempt(fail, ran)
}

#[tokio::test(start_paused = true)]
async fn breaker_false_is_none() {
    let ran = AtomicU32::new(0);
    for _ in 0..50 {
        no_breaker(true, &ran).await.unwrap_err();
    }
    assert_eq!(no_breaker(false, &ran).await.unwrap(), 1);
    assert_eq!(ran.load(SeqCst), 51);
}

#[wait_or_die(
    breaker = "macro.blocking",
    breaker_min_calls = 3,
    max_retries = 0,
    budget = "none"
)]
fn blocking(fail: bool, ran: &AtomicU32) -> io::Result<u32> {
    attempt(fail, ran)
}

#[test]
fn a_blocking_function_is_refused_before_its_first_attempt() {
    let ran = AtomicU32::new(0);
    for _ in 0..4 {
        assert!(!is_breaker_open(&blocking(true, &ran).unwrap_err()));
    }
    // Open for the default 5 s of real time, far longer than this test.
    let err = blocking(false, &ran).unwrap_err();
    assert!(is_breaker_open(&err), "{err}");
    assert_eq!(ran.load(SeqCst), 4);
}

/// A run-time policy with a breaker, as a gateway passes its own.
const WITH_BREAKER: wait_or_die::Policy = wait_or_die::Policy::builder()
    .shared_breaker("macro.runtime")
    .max_retries(0)
    .no_budget()
    .build_const();

#[wait_or_die(policy = WITH_BREAKER)]
fn runtime_policy(fail: bool, ran: &AtomicU32) -> io::Result<u32> {
    attempt(fail, ran)
}

/// An error type that cannot hold an `EngineError`.
#[derive(Debug)]
struct Foreign;

#[wait_or_die(policy = WITH_BREAKER, name = "macro.runtime_foreign")]
fn runtime_policy_foreign(ran: &AtomicU32) -> Result<u32, Foreign> {
    attempt(false, ran).map_err(|_| Foreign)
}

#[test]
fn a_run_time_policy_s_breaker_refuses_a_blocking_call_whose_error_can_carry_it() {
    use wait_or_die::control::{force_breaker, Forced};
    let ran = AtomicU32::new(0);
    assert_eq!(runtime_policy(false, &ran).unwrap(), 1);
    force_breaker("macro.runtime", Some(Forced::Open));
    let err = runtime_policy(false, &ran).unwrap_err();
    assert!(is_breaker_open(&err), "{err}");
    // `Foreign` cannot carry the refusal: the first attempt runs.
    assert_eq!(runtime_policy_foreign(&ran).unwrap(), 1);
    force_breaker("macro.runtime", None);
    assert_eq!(runtime_policy(false, &ran).unwrap(), 1);
    assert_eq!(ran.load(SeqCst), 3);
}
