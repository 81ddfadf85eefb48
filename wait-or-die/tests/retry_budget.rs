//! The retry budget, on by default: a lone caller keeps every retry its policy allows, a fleet
//! in an outage adds at most about a fifth more load, a refused retry ends the call at once
//! with the last error, and a named budget is shared. On tokio's paused clock.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::stats::Site;
use wait_or_die::{register_site, retry, wait_or_die, Policy, StopReason};

fn down() -> io::Error {
    io::ErrorKind::ConnectionRefused.into()
}

/// The seed's socket receive: 10 retries, 0.5 s doubling to 5 s. Without jitter and without
/// the 30 s budget (its nominal waits add up to 37.5 s, so whether all of them fit in 30 s
/// depends on jitter): only the retry budget could stop it early, and it must not.
#[wait_or_die(
    timeout = "none",
    max_retries = 10,
    initial_wait = 0.5,
    max_wait = 5.0,
    jitter = "none",
    name = "retry_budget.recv_json"
)]
async fn recv_json(attempts: &AtomicU64) -> Result<(), io::Error> {
    attempts.fetch_add(1, Ordering::SeqCst);
    Err(down())
}

#[tokio::test(start_paused = true)]
async fn a_lone_caller_keeps_every_retry_its_policy_allows() {
    let attempts = AtomicU64::new(0);
    let start = Instant::now();
    let err = recv_json(&attempts).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    assert_eq!(attempts.load(Ordering::SeqCst), 11, "all 11 attempts");
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(37_500),
        "every wait, in full"
    );
    let site = wait_or_die::stats::sites()
        .find(|s| s.name() == "retry_budget.recv_json")
        .unwrap()
        .snapshot();
    assert_eq!((site.died_exhausted, site.died_budget), (1, 0));
}

/// A dependency that is down, called `per_second` times a second for `seconds`; returns the
/// attempts that reached it per call, once every call has ended.
async fn outage(per_second: u64, seconds: u64, call: fn(&'static AtomicU64) -> CallFuture) -> f64 {
    let attempts: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
    let mut calls = tokio::task::JoinSet::new();
    let gap = Duration::from_secs(1) / per_second as u32;
    for _ in 0..per_second * seconds {
        calls.spawn(call(attempts));
        tokio::time::sleep(gap).await;
    }
    while calls.join_next().await.is_some() {}
    attempts.load(Ordering::SeqCst) as f64 / (per_second * seconds) as f64
}

type CallFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

#[wait_or_die]
async fn bare_default(attempts: &AtomicU64) -> Result<(), io::Error> {
    attempts.fetch_add(1, Ordering::SeqCst);
    Err(down())
}

#[wait_or_die(budget = "none")]
async fn without_budget(attempts: &AtomicU64) -> Result<(), io::Error> {
    attempts.fetch_add(1, Ordering::SeqCst);
    Err(down())
}

#[tokio::test(start_paused = true)]
async fn a_full_outage_at_1000_calls_per_second_adds_at_most_a_quarter_more_load() {
    let amplification = outage(1000, 20, |a| {
        Box::pin(async move {
            let _ = bare_default(a).await;
        })
    })
    .await;
    assert!(amplification <= 1.25, "amplification {amplification}");
    assert!(
        amplification > 1.0,
        "some retries still allowed: {amplification}"
    );

    let unbudgeted = outage(1000, 5, |a| {
        Box::pin(async move {
            let _ = without_budget(a).await;
        })
    })
    .await;
    assert_eq!(
        unbudgeted, 4.0,
        "budget = \"none\" retries every call 3 times"
    );
}

static REFUSED: Site = Site::new("retry_budget::refused");
register_site!(REFUSED);

#[tokio::test(start_paused = true)]
async fn a_refused_retry_ends_the_call_at_once_with_the_last_error() {
    // A floor of one retry a second over 2 s, and no share of calls: two retries in all.
    let policy = Policy::builder()
        .no_timeout()
        .max_retries(5)
        .initial_wait(Duration::from_millis(10))
        .budget_ratio(0.0)
        .budget_min_per_second(1)
        .budget_window(Duration::from_secs(2))
        .build()
        .unwrap();
    let mut n = 0;
    let start = Instant::now();
    let err = retry(&policy, || {
        n += 1;
        let attempt = n;
        async move { Err::<(), _>(format!("refused #{attempt}")) }
    })
    .site(&REFUSED)
    .await
    .unwrap_err();
    assert_eq!(err.reason(), StopReason::BudgetExhausted);
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.last_error().map(String::as_str), Some("refused #3"));
    let waited = start.elapsed();
    assert!(
        waited < Duration::from_millis(100),
        "no wait before giving up: {waited:?}"
    );
    let stats = REFUSED.snapshot();
    assert_eq!((stats.died_budget, stats.retries), (1, 2));
}

#[wait_or_die(
    max_retries = 5,
    initial_wait = "10ms",
    budget = "mt5",
    budget_ratio = 0.0,
    budget_min_per_second = 1,
    budget_window = 3
)]
async fn place_order(attempts: &AtomicU64) -> Result<(), io::Error> {
    attempts.fetch_add(1, Ordering::SeqCst);
    Err(down())
}

#[wait_or_die(
    max_retries = 5,
    initial_wait = "10ms",
    budget = "mt5",
    budget_ratio = 0.0,
    budget_min_per_second = 1,
    budget_window = 3
)]
async fn positions(attempts: &AtomicU64) -> Result<(), io::Error> {
    attempts.fetch_add(1, Ordering::SeqCst);
    Err(down())
}

#[tokio::test(start_paused = true)]
async fn sites_that_name_one_budget_share_it() {
    // Three retries in the window for both sites together.
    let (orders, listings) = (AtomicU64::new(0), AtomicU64::new(0));
    let _ = place_order(&orders).await;
    let _ = positions(&listings).await;
    assert_eq!(orders.load(Ordering::SeqCst), 4, "three retries granted");
    assert_eq!(
        listings.load(Ordering::SeqCst),
        1,
        "none left for the other site"
    );
}

static REWOUND: Site = Site::new("retry_budget::rewound");
register_site!(REWOUND);

/// A floor of 10 retries a second over a 1 s window, no share of calls; one retry per call.
fn one_retry_under_the_floor() -> Policy {
    Policy::builder()
        .no_timeout()
        .max_retries(1)
        .initial_wait(Duration::from_millis(10))
        .jitter(wait_or_die::Jitter::None)
        .budget_ratio(0.0)
        .budget_window(Duration::from_secs(1))
        .build()
        .unwrap()
}

/// 50 failing calls on `site`, one every 200 ms (5 retries a second, half the floor); returns
/// the retries granted.
async fn fifty_calls_at_half_the_floor(site: &'static Site) -> u32 {
    let policy = one_retry_under_the_floor();
    let mut granted = 0;
    for _ in 0..50 {
        let err = retry(&policy, || async { Err::<(), _>("down") })
            .site(site)
            .await
            .unwrap_err();
        granted += err.attempts() - 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    granted
}

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn a_clock_that_goes_back_does_not_freeze_the_window() {
    // A first runtime runs an hour of virtual time, so the budget's samples lie an hour ahead.
    paused_runtime().block_on(async {
        tokio::time::sleep(Duration::from_secs(3_600)).await;
        assert_eq!(fifty_calls_at_half_the_floor(&REWOUND).await, 50);
    });
    // Every new paused runtime starts its clock afresh: back by an hour.
    let granted = paused_runtime().block_on(async {
        tokio::time::sleep(Duration::from_secs(11)).await;
        fifty_calls_at_half_the_floor(&REWOUND).await
    });
    assert_eq!(
        granted, 50,
        "a lone caller under the floor keeps its retries"
    );
}
