//! Regressions for nesting that broke its own contract: a middle layer that does not retry let
//! the outer one retry again, an inner call that never retried stopped the outer one, and an
//! inner call ignored the outer attempt's limits (in `current()` and in its waits). On tokio's
//! paused clock; every test uses sites of its own, since tests run in parallel.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::{control, current, stats, wait_or_die};

fn refused() -> io::Error {
    io::ErrorKind::ConnectionRefused.into()
}

/// The counters of the site called `name`.
fn site(name: &str) -> stats::SiteStats {
    stats::sites()
        .find(|s| s.name() == name)
        .unwrap_or_else(|| panic!("no site {name}"))
        .snapshot()
}

// Three layers over a dead dependency, with a middle layer that does not retry.

#[wait_or_die(name = "nesting.dependency", initial_wait = "10ms", max_wait = "10ms")]
async fn dependency(sent: &AtomicU32) -> io::Result<()> {
    sent.fetch_add(1, Ordering::SeqCst);
    Err(refused())
}

/// An annotation used only to bound time: no retries of its own.
#[wait_or_die(name = "nesting.bounding_middle", timeout = 20, max_retries = 0)]
async fn bounding_middle(sent: &AtomicU32) -> io::Result<()> {
    dependency(sent).await
}

#[wait_or_die(
    name = "nesting.top_over_bounding",
    initial_wait = "10ms",
    max_wait = "10ms"
)]
async fn top_over_bounding(sent: &AtomicU32) -> io::Result<()> {
    bounding_middle(sent).await
}

#[tokio::test(start_paused = true)]
async fn a_middle_layer_without_retries_passes_the_give_up_upward() {
    let sent = AtomicU32::new(0);
    let err = top_over_bounding(&sent).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    assert_eq!(
        sent.load(Ordering::SeqCst),
        4,
        "the inner layer's 4 attempts"
    );
    let top = site("nesting.top_over_bounding");
    assert_eq!((top.died_nested, top.retries), (1, 0), "{top:?}");
}

#[wait_or_die(
    name = "nesting.switched_middle",
    initial_wait = "10ms",
    max_wait = "10ms"
)]
async fn switched_middle(sent: &AtomicU32) -> io::Result<()> {
    dependency(sent).await
}

#[wait_or_die(
    name = "nesting.top_over_switched",
    initial_wait = "10ms",
    max_wait = "10ms"
)]
async fn top_over_switched(sent: &AtomicU32) -> io::Result<()> {
    switched_middle(sent).await
}

#[tokio::test(start_paused = true)]
async fn a_middle_layer_switched_off_passes_the_give_up_upward() {
    control::retries_off("nesting.switched_middle").unwrap();
    let sent = AtomicU32::new(0);
    let err = top_over_switched(&sent).await.unwrap_err();
    control::clear("nesting.switched_middle").unwrap();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    assert_eq!(
        sent.load(Ordering::SeqCst),
        4,
        "switching a layer off must not multiply the load"
    );
    let top = site("nesting.top_over_switched");
    assert_eq!((top.died_nested, top.retries), (1, 0), "{top:?}");
}

// An inner probe that gives up at its first attempt has not retried anything.

#[wait_or_die(
    name = "nesting.probe",
    timeout = "200ms",
    max_retries = 3,
    jitter = "none"
)]
async fn probe(sent: &AtomicU32) -> io::Result<()> {
    sent.fetch_add(1, Ordering::SeqCst);
    Err(refused())
}

#[wait_or_die(
    name = "nesting.over_probe",
    timeout = 30,
    max_retries = 3,
    initial_wait = "100ms",
    budget = "none"
)]
async fn over_probe(sent: &AtomicU32) -> io::Result<()> {
    probe(sent).await
}

#[tokio::test(start_paused = true)]
async fn an_inner_call_that_never_retried_leaves_the_outer_one_its_retries() {
    let sent = AtomicU32::new(0);
    over_probe(&sent).await.unwrap_err();
    let probe = site("nesting.probe");
    assert_eq!((probe.died_deadline, probe.retries), (4, 0), "{probe:?}");
    let outer = site("nesting.over_probe");
    assert_eq!(
        (outer.died_exhausted, outer.died_nested, outer.retries),
        (1, 0, 3),
        "{outer:?}"
    );
    assert_eq!(
        sent.load(Ordering::SeqCst),
        4,
        "one probe per outer attempt"
    );
}

// `current()` in a nested call's first attempt sees the outer call's limits.

type Seen = Mutex<Vec<Option<Duration>>>;

#[wait_or_die(name = "nesting.long_reader", timeout = 30, max_retries = 0)]
async fn long_reader(seen: &Seen) -> io::Result<()> {
    seen.lock().unwrap().push(current().unwrap().remaining());
    Ok(())
}

#[wait_or_die(name = "nesting.unbounded_reader", timeout = "none", max_retries = 0)]
async fn unbounded_reader(seen: &Seen) -> io::Result<()> {
    seen.lock().unwrap().push(current().unwrap().remaining());
    Ok(())
}

#[wait_or_die(name = "nesting.short_outer", timeout = 1)]
async fn short_outer(seen: &Seen) -> io::Result<()> {
    long_reader(seen).await?;
    unbounded_reader(seen).await
}

#[wait_or_die(
    name = "nesting.attempt_bounded_outer",
    timeout = 30,
    attempt_timeout = "2s"
)]
async fn attempt_bounded_outer(seen: &Seen) -> io::Result<()> {
    long_reader(seen).await?;
    unbounded_reader(seen).await
}

#[tokio::test(start_paused = true)]
async fn current_in_a_nested_first_attempt_is_capped_by_the_outer_limits() {
    let seen = Seen::default();
    short_outer(&seen).await.unwrap();
    attempt_bounded_outer(&seen).await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            Some(Duration::from_secs(1)),
            Some(Duration::from_secs(1)),
            Some(Duration::from_secs(2)),
            Some(Duration::from_secs(2)),
        ],
        "inner 30 s and unbounded calls inside an outer 1 s call, then a 2 s attempt"
    );
}

// A nested call's waits respect the outer attempt's `attempt_timeout`.

#[wait_or_die(
    name = "nesting.slow_retrier",
    timeout = 30,
    max_retries = 3,
    initial_wait = "400ms",
    max_wait = 1,
    jitter = "none",
    budget = "none"
)]
async fn slow_retrier(sent: &AtomicU32) -> io::Result<()> {
    sent.fetch_add(1, Ordering::SeqCst);
    Err(refused())
}

#[wait_or_die(
    name = "nesting.one_second_attempts",
    timeout = 30,
    attempt_timeout = 1
)]
async fn one_second_attempts(sent: &AtomicU32) -> io::Result<()> {
    slow_retrier(sent).await
}

#[tokio::test(start_paused = true)]
async fn a_nested_call_stops_before_a_wait_the_outer_attempt_would_not_survive() {
    let sent = AtomicU32::new(0);
    let start = Instant::now();
    let err = one_second_attempts(&sent).await.unwrap_err();
    assert_eq!(
        (err.kind(), start.elapsed()),
        (io::ErrorKind::ConnectionRefused, Duration::from_millis(400)),
        "the inner call's real error, once its next wait (800 ms) would outlive the attempt"
    );
    assert_eq!(sent.load(Ordering::SeqCst), 2, "attempts at 0 and 400 ms");
    let outer = site("nesting.one_second_attempts");
    assert_eq!((outer.died_nested, outer.retries), (1, 0), "{outer:?}");
}
