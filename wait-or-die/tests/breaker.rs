//! The circuit breaker's rules through the public API, one test each, on tokio's paused clock.

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::control::{self, Forced};
use wait_or_die::stats::{self, BreakerState, Site};
use wait_or_die::{register_site, retry, Action, Jitter, Policy, PolicyBuilder, StopReason};

/// Opens after 4 counted failures following the first (min 4, ratio ½), open for 5 s.
const fn quick() -> PolicyBuilder {
    Policy::builder()
        .breaker_min_calls(4)
        .initial_wait(Duration::from_millis(100))
        .jitter(Jitter::None)
        .no_budget()
}

fn state(name: &str) -> BreakerState {
    stats::breakers()
        .into_iter()
        .find(|b| b.name == name)
        .map(|b| b.state)
        .unwrap_or(BreakerState::Closed)
}

/// One call of `site` under `policy` whose attempts fail `fail` (counted in `ran`).
async fn call(
    policy: &Policy,
    site: &'static Site,
    ran: &AtomicU32,
    fail: Option<Action>,
) -> Result<u32, wait_or_die::RetryError<&'static str>> {
    retry(policy, || {
        ran.fetch_add(1, SeqCst);
        async move {
            if fail.is_some() {
                Err("down")
            } else {
                Ok(1)
            }
        }
    })
    .classify(move |_: &&str| fail.unwrap_or(Action::Retry))
    .site(site)
    .await
}

static COUNTS: Site = Site::new("breaker.counts_retryable");
register_site!(COUNTS);

#[tokio::test(start_paused = true)]
async fn only_failures_the_site_would_retry_are_counted() {
    let policy = quick().max_retries(0).breaker().build().unwrap();
    let ran = AtomicU32::new(0);
    for _ in 0..50 {
        let err = call(&policy, &COUNTS, &ran, Some(Action::Die))
            .await
            .unwrap_err();
        assert_eq!(err.reason(), StopReason::Permanent);
    }
    assert_eq!(
        state(COUNTS.name()),
        BreakerState::Closed,
        "permanent errors do not count"
    );
    for _ in 0..5 {
        call(&policy, &COUNTS, &ran, Some(Action::Retry))
            .await
            .unwrap_err();
    }
    assert_eq!(state(COUNTS.name()), BreakerState::Open);
    assert_eq!(ran.load(SeqCst), 55);
}

static CANCELLED: Site = Site::new("breaker.cancelled");
register_site!(CANCELLED);

#[tokio::test(start_paused = true)]
async fn a_cancelled_call_is_not_counted() {
    let policy = quick().max_retries(0).breaker().build().unwrap();
    for _ in 0..50 {
        let hangs = retry(&policy, std::future::pending::<Result<(), &str>>).site(&CANCELLED);
        assert!(tokio::time::timeout(Duration::from_millis(10), hangs)
            .await
            .is_err());
    }
    assert_eq!(CANCELLED.snapshot().cancelled, 50);
    let ran = AtomicU32::new(0);
    assert_eq!(call(&policy, &CANCELLED, &ran, None).await.unwrap(), 1);
    assert_eq!(state(CANCELLED.name()), BreakerState::Closed);
}

static REFUSES: Site = Site::new("breaker.refuses");
register_site!(REFUSES);

#[tokio::test(start_paused = true)]
async fn open_refuses_with_no_attempt_no_sleep_and_no_budget() {
    // With a budget this time: a refused call must not ask it.
    let policy = quick()
        .max_retries(3)
        .breaker()
        .budget_ratio(0.2)
        .build()
        .unwrap();
    let ran = AtomicU32::new(0);
    while state(REFUSES.name()) != BreakerState::Open {
        call(&policy, &REFUSES, &ran, Some(Action::Retry))
            .await
            .unwrap_err();
    }
    let before = (ran.load(SeqCst), REFUSES.snapshot(), REFUSES.budget_level());
    let t0 = Instant::now();
    for _ in 0..100 {
        let err = call(&policy, &REFUSES, &ran, None).await.unwrap_err();
        assert_eq!((err.reason(), err.attempts()), (StopReason::BreakerOpen, 0));
        assert!(err.last_error().is_none());
    }
    assert_eq!(Instant::now(), t0, "a refused call sleeps nothing");
    assert_eq!(ran.load(SeqCst), before.0, "no attempt ran");
    let after = REFUSES.snapshot();
    assert_eq!(after.attempts, before.1.attempts);
    assert_eq!(after.retries, before.1.retries);
    assert_eq!((after.refused, after.calls), (100, before.1.calls + 100));
    assert_eq!(after.died_breaker_open, before.1.died_breaker_open + 100);
    let level = REFUSES.budget_level().unwrap();
    assert!(
        level >= before.2.unwrap(),
        "no retry budget spent: {level} < {:?}",
        before.2
    );
}

static RETRY_OPEN: Site = Site::new("breaker.retry_finds_open");
register_site!(RETRY_OPEN);

#[tokio::test(start_paused = true)]
async fn a_retry_that_would_find_it_open_ends_the_call_with_the_last_error() {
    let policy = quick().max_retries(100).breaker().build().unwrap();
    let ran = AtomicU32::new(0);
    let t0 = Instant::now();
    let err = call(&policy, &RETRY_OPEN, &ran, Some(Action::Retry))
        .await
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::BreakerOpen);
    assert_eq!(err.last_error(), Some(&"down"));
    // The first failure starts the window, four more open it: no wait after the fifth.
    assert_eq!((err.attempts(), ran.load(SeqCst)), (5, 5));
    assert_eq!(
        Instant::now() - t0,
        Duration::from_millis(100 + 200 + 400 + 800)
    );
}

static PROBES: Site = Site::new("breaker.probes");
register_site!(PROBES);

#[tokio::test(start_paused = true)]
async fn half_open_admits_one_probe_that_is_never_retried_and_reopens_on_failure() {
    let policy = quick().max_retries(3).breaker().build().unwrap();
    let ran = AtomicU32::new(0);
    while state(PROBES.name()) != BreakerState::Open {
        call(&policy, &PROBES, &ran, Some(Action::Retry))
            .await
            .unwrap_err();
    }
    tokio::time::advance(policy.breaker().unwrap().open_for()).await;
    let before = ran.load(SeqCst);
    let err = call(&policy, &PROBES, &ran, Some(Action::Retry))
        .await
        .unwrap_err();
    assert_eq!(
        (err.reason(), err.attempts()),
        (StopReason::BreakerOpen, 1),
        "a probe is never retried"
    );
    assert_eq!(ran.load(SeqCst), before + 1);
    assert_eq!(
        state(PROBES.name()),
        BreakerState::Open,
        "a failed probe reopens it"
    );
    let refused = call(&policy, &PROBES, &ran, None).await.unwrap_err();
    assert_eq!(refused.attempts(), 0);
}

static HALF: Site = Site::new("breaker.half_open");
register_site!(HALF);

#[tokio::test(start_paused = true)]
async fn while_the_probe_runs_other_calls_are_refused_and_its_success_closes() {
    static POLICY: Policy = quick().max_retries(0).breaker().build_const();
    let policy = &POLICY;
    let ran = AtomicU32::new(0);
    while state(HALF.name()) != BreakerState::Open {
        call(policy, &HALF, &ran, Some(Action::Retry))
            .await
            .unwrap_err();
    }
    tokio::time::advance(Duration::from_secs(5)).await;
    let slow = retry(policy, || async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok::<_, &str>(7)
    })
    .site(&HALF);
    let probe = tokio::spawn(slow);
    tokio::task::yield_now().await;
    assert_eq!(state(HALF.name()), BreakerState::HalfOpen);
    let other = call(policy, &HALF, &ran, None).await.unwrap_err();
    assert_eq!(
        (other.reason(), other.attempts()),
        (StopReason::BreakerOpen, 0)
    );
    assert_eq!(probe.await.unwrap().unwrap(), 7);
    assert_eq!(
        state(HALF.name()),
        BreakerState::Closed,
        "a successful probe closes it"
    );
    assert_eq!(call(policy, &HALF, &ran, None).await.unwrap(), 1);
}

static SHARED_A: Site = Site::new("breaker.shared.a");
static SHARED_B: Site = Site::new("breaker.shared.b");
register_site!(SHARED_A);
register_site!(SHARED_B);

#[tokio::test(start_paused = true)]
async fn sites_that_name_one_breaker_share_it() {
    let policy = quick()
        .max_retries(0)
        .shared_breaker("breaker.tests.terminal")
        .build()
        .unwrap();
    let ran = AtomicU32::new(0);
    for _ in 0..5 {
        call(&policy, &SHARED_A, &ran, Some(Action::Retry))
            .await
            .unwrap_err();
    }
    let err = call(&policy, &SHARED_B, &ran, None).await.unwrap_err();
    assert_eq!((err.reason(), err.attempts()), (StopReason::BreakerOpen, 0));
    assert_eq!(SHARED_B.snapshot().refused, 1);
    assert_eq!(state("breaker.tests.terminal"), BreakerState::Open);
}

static OUTER: Site = Site::new("breaker.nested.outer");
static INNER: Site = Site::new("breaker.nested.inner");
register_site!(OUTER);
register_site!(INNER);

#[tokio::test(start_paused = true)]
async fn an_open_breaker_inside_a_nested_call_is_a_give_up_the_outer_does_not_retry() {
    control::force_breaker(INNER.name(), Some(Forced::Open));
    let inner_policy = quick().max_retries(3).breaker().build().unwrap();
    let outer_policy = quick().max_retries(5).build().unwrap();
    let inner_runs = AtomicU32::new(0);
    let outer_runs = AtomicU32::new(0);
    let err = retry(&outer_policy, || {
        outer_runs.fetch_add(1, SeqCst);
        let (policy, runs) = (&inner_policy, &inner_runs);
        async move {
            retry(policy, || {
                runs.fetch_add(1, SeqCst);
                async { Ok::<_, &str>(()) }
            })
            .site(&INNER)
            .await
            .map_err(|e| e.reason())
        }
    })
    .site(&OUTER)
    .await
    .unwrap_err();
    assert_eq!((err.reason(), err.attempts()), (StopReason::Nested, 1));
    assert_eq!(err.last_error(), Some(&StopReason::BreakerOpen));
    assert_eq!((outer_runs.load(SeqCst), inner_runs.load(SeqCst)), (1, 0));
    control::force_breaker(INNER.name(), None);
}

static FORCED: Site = Site::new("breaker.forced");
register_site!(FORCED);

#[tokio::test(start_paused = true)]
async fn operators_force_a_breaker_by_name() {
    let policy = quick().max_retries(0).breaker().build().unwrap();
    let ran = AtomicU32::new(0);
    control::force_breaker(FORCED.name(), Some(Forced::Open));
    assert_eq!(
        call(&policy, &FORCED, &ran, None)
            .await
            .unwrap_err()
            .attempts(),
        0
    );
    tokio::time::advance(Duration::from_secs(3_600)).await;
    assert_eq!(
        call(&policy, &FORCED, &ran, None)
            .await
            .unwrap_err()
            .attempts(),
        0
    );
    control::force_breaker(FORCED.name(), Some(Forced::Closed));
    for _ in 0..50 {
        call(&policy, &FORCED, &ran, Some(Action::Retry))
            .await
            .unwrap_err();
    }
    assert_eq!(call(&policy, &FORCED, &ran, None).await.unwrap(), 1);
    control::force_breaker(FORCED.name(), None);
    let found = stats::breakers()
        .into_iter()
        .find(|b| b.name == FORCED.name())
        .unwrap();
    assert_eq!(
        (found.state, found.forced, found.refused),
        (BreakerState::Closed, None, 2)
    );
}

static METERED: Site = Site::new("breaker.metered");
register_site!(METERED);

#[cfg(feature = "metrics")]
#[tokio::test(start_paused = true)]
async fn the_metrics_show_state_transitions_and_refused_calls() {
    let policy = quick()
        .max_retries(0)
        .shared_breaker("breaker.tests.metered")
        .build()
        .unwrap();
    let ran = AtomicU32::new(0);
    for _ in 0..5 {
        call(&policy, &METERED, &ran, Some(Action::Retry))
            .await
            .unwrap_err();
    }
    call(&policy, &METERED, &ran, None).await.unwrap_err();
    let mut registry = prometheus_client::registry::Registry::default();
    wait_or_die::metrics::register(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    for line in [
        "wait_or_die_breaker_state{breaker=\"breaker.tests.metered\"} 1",
        "wait_or_die_breaker_transitions_total{breaker=\"breaker.tests.metered\",to=\"open\"} 1",
        "wait_or_die_breaker_refused_total{breaker=\"breaker.tests.metered\"} 1",
        "wait_or_die_calls_total{site=\"breaker.metered\",outcome=\"breaker_open\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
    }
}
