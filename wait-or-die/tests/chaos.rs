//! Fault injection through the control API, in async and blocking functions and the engine's
//! own API. Each test uses sites of its own: tests run in parallel.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::chaos::{self, Chaos};
use wait_or_die::control::{self, ControlError, Override};
use wait_or_die::stats::Site;
use wait_or_die::{register_site, retry_blocking, wait_or_die, EngineError, Policy};

fn set(site: &str, chaos: Chaos) {
    control::set(site, Override::new().chaos(chaos)).unwrap();
}

static ASYNC_RUNS: AtomicU32 = AtomicU32::new(0);

#[wait_or_die(
    name = "chaos.async",
    max_retries = 2,
    initial_wait = "1s",
    max_wait = "1s",
    jitter = "none"
)]
async fn fetch() -> io::Result<u32> {
    ASYNC_RUNS.fetch_add(1, Ordering::Relaxed);
    Ok(7)
}

#[tokio::test(start_paused = true)]
async fn failed_attempts_do_not_run_and_return_the_injected_error() {
    set("chaos.async", Chaos::new().fail(1.0));
    let start = Instant::now();
    let err = fetch().await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Other);
    assert!(err.get_ref().unwrap().is::<EngineError>(), "{err}");
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(2),
        "retried like any failure"
    );
    assert_eq!(ASYNC_RUNS.load(Ordering::Relaxed), 0);
    control::clear("chaos.async").unwrap();
    assert_eq!(fetch().await.unwrap(), 7);
    assert_eq!(ASYNC_RUNS.load(Ordering::Relaxed), 1);
}

#[wait_or_die(name = "chaos.slow", max_retries = 0, attempt_timeout = "40ms")]
async fn slow_dependency() -> io::Result<u32> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn latency_runs_inside_the_attempt_and_its_timeouts_bound_it() {
    set(
        "chaos.slow",
        Chaos::new().latency(Duration::from_millis(30), 1.0),
    );
    let start = Instant::now();
    assert_eq!(slow_dependency().await.unwrap(), 1);
    assert_eq!(start.elapsed(), Duration::from_millis(30));

    set(
        "chaos.slow",
        Chaos::new().latency(Duration::from_millis(50), 1.0),
    );
    let start = Instant::now();
    let err = slow_dependency().await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert_eq!(start.elapsed(), Duration::from_millis(40));
    control::clear("chaos.slow").unwrap();
}

static BLOCKING_RUNS: AtomicU32 = AtomicU32::new(0);

#[wait_or_die(name = "chaos.blocking", max_retries = 3, initial_wait = 0)]
fn write_journal() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    BLOCKING_RUNS.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

#[test]
fn blocking_attempts_fail_too() {
    set("chaos.blocking", Chaos::new().fail(1.0));
    let err = write_journal().unwrap_err();
    assert!(err.is::<EngineError>());
    assert_eq!(BLOCKING_RUNS.load(Ordering::Relaxed), 0);
    control::clear("chaos.blocking").unwrap();
    write_journal().unwrap();
}

/// An error type that cannot carry an injected fault.
#[derive(Debug)]
struct Rejected;

static PLAIN_RUNS: AtomicU32 = AtomicU32::new(0);

#[wait_or_die(name = "chaos.plain", max_retries = 0, timeout = "none")]
fn plain() -> Result<u32, Rejected> {
    PLAIN_RUNS.fetch_add(1, Ordering::Relaxed);
    Ok(3)
}

#[test]
fn an_error_type_without_from_injected_still_compiles_and_runs() {
    set("chaos.plain", Chaos::new().fail(1.0));
    assert_eq!(plain().unwrap(), 3);
    assert_eq!(PLAIN_RUNS.load(Ordering::Relaxed), 1);
    control::clear("chaos.plain").unwrap();
}

static SHARED: Site = Site::new("chaos.share");
register_site!(SHARED);

#[test]
fn a_share_of_attempts_fails() {
    set("chaos.share", Chaos::new().fail(0.25));
    let failed = (0..10_000)
        .filter(|_| chaos::attempt_blocking(&SHARED, || Ok::<_, io::Error>(())).is_err())
        .count();
    // 2,500 expected; the bounds are 17 standard deviations away.
    assert!((1800..3200).contains(&failed), "{failed}");
    control::clear("chaos.share").unwrap();
    let policy = Policy::builder().max_retries(0).build().unwrap();
    let ok = retry_blocking(&policy, || {
        chaos::attempt_blocking(&SHARED, || Ok::<_, io::Error>(()))
    });
    assert!(ok.site(&SHARED).call().is_ok());
}

#[test]
fn a_share_outside_zero_to_one_is_refused() {
    let err = control::set("chaos.share", Override::new().chaos(Chaos::new().fail(1.5)));
    assert!(
        matches!(
            err,
            Err(ControlError::InvalidShare {
                setting: "fail",
                ..
            })
        ),
        "{err:?}"
    );
    let err = control::set(
        "chaos.plain",
        Override::new().chaos(Chaos::new().latency(Duration::from_millis(1), -0.1)),
    );
    assert_eq!(
        err,
        Err(ControlError::InvalidShare {
            site: "chaos.plain".into(),
            setting: "latency_share",
            value: -0.1
        })
    );
}
