//! Per-site counters through the public API, and the run-time listing of sites.

use std::time::Duration;

use wait_or_die::stats::{self, Site};
use wait_or_die::{register_site, retry, retry_blocking, Action, Jitter, Policy, StopReason};

static ORDERS: Site = Site::new("stats::orders");
register_site!(ORDERS);
static NEVER_CALLED: Site = Site::new("stats::never_called");
register_site!(NEVER_CALLED);

fn policy() -> Policy {
    Policy::builder()
        .timeout(Duration::from_secs(10))
        .max_retries(2)
        .initial_wait(Duration::from_secs(1))
        .jitter(Jitter::None)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn counts_calls_retries_recoveries_deaths_and_waits() {
    // Recovers on the second attempt.
    let mut failed = false;
    retry(&policy(), || {
        let fail = !std::mem::replace(&mut failed, true);
        async move {
            if fail {
                Err("flaky")
            } else {
                Ok(())
            }
        }
    })
    .site(&ORDERS)
    .await
    .unwrap();
    // Succeeds at once.
    retry(&policy(), || async { Ok::<_, &str>(()) })
        .site(&ORDERS)
        .await
        .unwrap();
    // Exhausts its two retries.
    let err = retry(&policy(), || async { Err::<(), _>("down") })
        .site(&ORDERS)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::Exhausted);
    // Dies on a permanent error.
    let _ = retry(&policy(), || async { Err::<(), _>("rejected") })
        .classify(|_: &&str| Action::Die)
        .site(&ORDERS)
        .await;

    let s = ORDERS.snapshot();
    assert_eq!(s.calls, 4);
    assert_eq!(s.retries, 3);
    assert_eq!(s.attempts, 7);
    assert_eq!(s.retried_calls, 2);
    assert_eq!(s.recovered, 1);
    assert_eq!(s.died_exhausted, 1);
    assert_eq!(s.died_permanent, 1);
    assert_eq!(s.died(), 2);
    // 1 s (recovery) + 1 s + 2 s (exhausted).
    assert_eq!(s.waited, Duration::from_secs(4));
    assert_eq!(s.retry_success_rate(), Some(0.5));
}

#[test]
fn every_registered_site_is_listed_even_before_its_first_call() {
    let names: Vec<&str> = stats::sites().map(|s| s.name()).collect();
    assert!(names.contains(&"stats::orders"));
    assert!(names.contains(&"stats::never_called"));
    assert!(
        !names.contains(&"wait_or_die::retry"),
        "no shared site of unnamed calls: each place that calls has its own"
    );
}

#[test]
fn blocking_deadline_deaths_are_counted() {
    static SLOW: Site = Site::new("stats::slow");
    let policy = Policy::builder()
        .timeout(Duration::from_millis(1))
        .max_retries(5)
        .initial_wait(Duration::from_millis(5))
        .max_wait(Duration::from_millis(5))
        .build()
        .unwrap();
    let err = retry_blocking(&policy, || Err::<(), _>(()))
        .site(&SLOW)
        .call()
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::Deadline);
    assert_eq!(SLOW.snapshot().died_deadline, 1);
}
