//! A retry budget whose window is shorter than one retry of its floor (`budget_window` under
//! 100 ms with the default 10 retries a second) still lets a lone caller under the floor's rate
//! keep every retry, whichever layer set the window. On tokio's paused clock.

use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::control::{self, Override};
use wait_or_die::stats::Site;
use wait_or_die::{register_site, retry, wait_or_die, Jitter, Policy, StopReason};

/// Three retries 200 ms apart: 5 retries a second, half the default floor.
fn five_retries_a_second() -> wait_or_die::PolicyBuilder {
    Policy::builder()
        .no_timeout()
        .max_retries(3)
        .initial_wait(Duration::from_millis(200))
        .constant()
        .jitter(Jitter::None)
}

async fn failing_call(policy: &Policy, site: &'static Site) -> (u32, StopReason, Duration) {
    let start = Instant::now();
    let err = retry(policy, || async { Err::<(), _>("down") })
        .site(site)
        .await
        .unwrap_err();
    (err.attempts(), err.reason(), start.elapsed())
}

static BUILT: Site = Site::new("budget_small_window.built");
register_site!(BUILT);

#[tokio::test(start_paused = true)]
async fn a_window_set_by_the_builder() {
    for millis in [1, 50, 99, 100, 150] {
        let policy = five_retries_a_second()
            .budget_window(Duration::from_millis(millis))
            .build()
            .unwrap();
        let (attempts, reason, elapsed) = failing_call(&policy, &BUILT).await;
        assert_eq!(
            (attempts, reason, elapsed),
            (4, StopReason::Exhausted, Duration::from_millis(600)),
            "window {millis} ms"
        );
    }
}

static BURST: Site = Site::new("budget_small_window.burst");
register_site!(BURST);

#[tokio::test(start_paused = true)]
async fn the_floor_still_binds_a_caller_above_its_rate() {
    // Retries without a wait, far above the floor: one retry per 50 ms window, no more.
    let policy = Policy::builder()
        .no_timeout()
        .max_retries(5)
        .initial_wait(Duration::ZERO)
        .budget_ratio(0.0)
        .budget_window(Duration::from_millis(50))
        .build()
        .unwrap();
    let (attempts, reason, _) = failing_call(&policy, &BURST).await;
    assert_eq!((attempts, reason), (2, StopReason::BudgetExhausted));
}

#[wait_or_die(
    timeout = "none",
    max_retries = 3,
    initial_wait = "200ms",
    exponential_backoff = false,
    jitter = "none",
    budget_window = "50ms",
    name = "budget_small_window.attribute"
)]
async fn annotated(attempts: &mut u32) -> Result<(), std::io::Error> {
    *attempts += 1;
    Err(std::io::ErrorKind::ConnectionRefused.into())
}

#[tokio::test(start_paused = true)]
async fn a_window_set_by_the_attribute() {
    let mut attempts = 0;
    let _ = annotated(&mut attempts).await;
    assert_eq!(attempts, 4);
}

static CONTROLLED: Site = Site::new("budget_small_window.control");
register_site!(CONTROLLED);

#[tokio::test(start_paused = true)]
async fn a_window_set_by_an_operator() {
    let policy = five_retries_a_second().build().unwrap();
    let tiny = Override::new().budget_window(Duration::from_millis(50));
    control::set("budget_small_window.control", tiny).unwrap();
    let (attempts, reason, _) = failing_call(&policy, &CONTROLLED).await;
    control::clear("budget_small_window.control").unwrap();
    assert_eq!((attempts, reason), (4, StopReason::Exhausted));
}
