//! Regressions for contract breaks found by adversarial use: a server hint that overflows the
//! clock, an attempt started after the deadline, and statistics that counted what never happened.
//! Async cases run on tokio's paused clock, blocking ones on an injected clock that oversleeps.

use std::cell::Cell;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant as StdInstant};

use tokio::time::Instant;
use wait_or_die::stats::Site;
use wait_or_die::{
    register_site, retry, retry_blocking, Action, Clock, Jitter, Policy, StopReason,
};

/// `timeout = 1, max_retries = 3, initial_wait = max_wait = 999.6 ms, jitter = none`.
fn almost_a_second() -> Policy {
    Policy::builder()
        .timeout(Duration::from_secs(1))
        .max_retries(3)
        .initial_wait(Duration::from_micros(999_600))
        .max_wait(Duration::from_micros(999_600))
        .jitter(Jitter::None)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_wait_that_wakes_at_the_deadline_returns_the_real_error() {
    // tokio rounds the 999.6 ms sleep up to 1 ms ticks: it wakes at 1 s, the deadline itself.
    let policy = almost_a_second();
    let sent = AtomicU32::new(0);
    let start = Instant::now();
    let err = retry(&policy, || {
        sent.fetch_add(1, Ordering::SeqCst);
        async { Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionReset)) }
    })
    .await
    .unwrap_err();
    assert_eq!(
        sent.load(Ordering::SeqCst),
        1,
        "no request after the deadline"
    );
    assert_eq!(err.reason(), StopReason::Deadline);
    assert_eq!(err.attempts(), 1);
    assert_eq!(
        err.last_error().map(io::Error::kind),
        Some(io::ErrorKind::ConnectionReset)
    );
    assert!(start.elapsed() >= Duration::from_millis(999));
}

#[tokio::test(start_paused = true)]
async fn no_attempt_starts_at_or_after_the_deadline_for_any_attempt_length() {
    // The seed's policy, jitter on, 20,000 concurrent calls whose attempts take 1 ms to 4 s (to
    // the microsecond), so that waits end at every phase of tokio's millisecond tick.
    static POLICY: Policy = Policy::builder()
        .timeout(Duration::from_secs(30))
        .max_retries(10)
        .initial_wait(Duration::from_millis(500))
        .max_wait(Duration::from_secs(5))
        .build_const();
    static LATE: AtomicU32 = AtomicU32::new(0);
    let mut calls = tokio::task::JoinSet::new();
    for call in 0..20_000u64 {
        calls.spawn(async move {
            let start = Instant::now();
            let deadline = start + Duration::from_secs(30);
            let mut attempt = 0u64;
            let _ = retry(&POLICY, || {
                if Instant::now() >= deadline {
                    LATE.fetch_add(1, Ordering::SeqCst);
                }
                attempt += 1;
                let micros = 1_000 + (call * 7_919 + attempt * 104_729) % 3_999_000;
                async move {
                    tokio::time::sleep(Duration::from_micros(micros)).await;
                    Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionReset))
                }
            })
            .await;
        });
    }
    while calls.join_next().await.is_some() {}
    assert_eq!(
        LATE.load(Ordering::SeqCst),
        0,
        "attempts started at or after the deadline"
    );
}

#[test]
fn a_blocking_wait_that_oversleeps_past_the_deadline_returns_the_real_error() {
    /// Sleeps 1 ms longer than asked, as `thread::sleep` may.
    struct Oversleeping {
        start: StdInstant,
        offset: Cell<Duration>,
    }
    impl Clock for Oversleeping {
        fn now(&self) -> StdInstant {
            self.start + self.offset.get()
        }
        fn sleep(&self, d: Duration) {
            self.offset
                .set(self.offset.get() + d + Duration::from_millis(1));
        }
    }
    let clock = Oversleeping {
        start: StdInstant::now(),
        offset: Cell::new(Duration::ZERO),
    };
    let policy = Policy::builder()
        .timeout(Duration::from_millis(100))
        .max_retries(3)
        .initial_wait(Duration::from_micros(99_950))
        .max_wait(Duration::from_micros(99_950))
        .jitter(Jitter::None)
        .build()
        .unwrap();
    let mut sent = 0;
    let err = retry_blocking(&policy, || {
        sent += 1;
        Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionReset))
    })
    .clock(&clock)
    .call()
    .unwrap_err();
    assert_eq!(sent, 1, "no attempt after the deadline");
    assert_eq!(err.reason(), StopReason::Deadline);
    assert_eq!(
        err.last_error().map(io::Error::kind),
        Some(io::ErrorKind::ConnectionReset)
    );
}

#[tokio::test(start_paused = true)]
async fn a_hint_of_u64_max_seconds_without_a_budget_does_not_panic() {
    let policy = Policy::builder()
        .no_timeout()
        .max_retries(1)
        .build()
        .unwrap();
    let call = retry(&policy, || async { Err::<(), _>("retry after forever") })
        .classify(|_: &&str| Action::RetryAfter(Duration::from_secs(u64::MAX)));
    // The wait is as long as asked: the call is still waiting a year later, and nothing panicked.
    let outcome = tokio::time::timeout(Duration::from_secs(365 * 24 * 3600), call).await;
    assert!(outcome.is_err(), "still waiting");
}
static DROPPED_MID_WAIT: Site = Site::new("contract_defects::dropped_mid_wait");
register_site!(DROPPED_MID_WAIT);

#[tokio::test(start_paused = true)]
async fn a_call_dropped_mid_wait_counts_what_happened() {
    let policy = Policy::builder()
        .timeout(Duration::from_secs(30))
        .max_retries(3)
        .initial_wait(Duration::from_secs(10))
        .max_wait(Duration::from_secs(10))
        .jitter(Jitter::None)
        .build()
        .unwrap();
    let call = retry(&policy, || async { Err::<(), _>("down") }).site(&DROPPED_MID_WAIT);
    let cut = tokio::time::timeout(Duration::from_secs(4), call).await;
    assert!(cut.is_err(), "the caller gave up first");

    let s = DROPPED_MID_WAIT.snapshot();
    assert_eq!(s.calls, 1);
    assert_eq!(s.attempts, 1, "one attempt ran");
    assert_eq!(s.retries, 0, "the retry never started");
    assert_eq!(s.retried_calls, 0);
    assert_eq!(s.cancelled, 1);
    assert_eq!(s.died(), 0, "a dropped call is not a failure");
    assert_eq!(
        s.waited,
        Duration::from_secs(4),
        "the time it really waited"
    );
    assert_eq!(s.retry_success_rate(), None);
}
