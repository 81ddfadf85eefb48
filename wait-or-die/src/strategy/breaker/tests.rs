//! The breaker's state machine, driven by hand with made-up instants.

use super::*;
use core::time::Duration;

fn policy(min_calls: u32, probes: u32) -> BreakerPolicy {
    crate::Policy::builder()
        .breaker_min_calls(min_calls)
        .breaker_probes(probes)
        .build()
        .unwrap()
        .breaker()
        .unwrap()
}

static SECOND: Duration = Duration::from_secs(1);

#[test]
fn opens_at_the_ratio_once_the_window_holds_min_calls() {
    let b = CircuitBreaker::new("t.open");
    let p = policy(4, 1);
    let t0 = Instant::now();
    // The first failure starts the window; three more in three attempts: too few yet.
    for n in 1..=4 {
        b.record(&p, Outcome::Failed, false, t0, || n);
        assert_eq!(b.state(), BreakerState::Closed);
    }
    b.record(&p, Outcome::Failed, false, t0, || 5);
    assert_eq!(b.state(), BreakerState::Open);
    assert_eq!(b.admit(&p, || t0 + SECOND), Admission::Refused);
}

#[test]
fn failures_below_the_ratio_keep_it_closed() {
    let b = CircuitBreaker::new("t.below");
    let p = policy(4, 1);
    let t0 = Instant::now();
    // One failure in every three attempts: a third, below a half.
    for n in 1..=30u64 {
        b.record(&p, Outcome::Failed, false, t0, || n * 3);
    }
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn half_open_admits_the_probes_only_and_a_success_closes() {
    let b = CircuitBreaker::new("t.probe");
    let p = policy(1, 2);
    let t0 = Instant::now();
    b.record(&p, Outcome::Failed, false, t0, || 1);
    b.record(&p, Outcome::Failed, false, t0, || 2);
    let later = t0 + p.open_for;
    assert_eq!(b.admit(&p, || later), Admission::Probe);
    assert_eq!(b.admit(&p, || later), Admission::Probe);
    assert_eq!(b.admit(&p, || later), Admission::Refused);
    // A probe whose failure is not counted gives its place back.
    b.record(&p, Outcome::Ignored, true, later, || 0);
    assert_eq!(b.admit(&p, || later), Admission::Probe);
    b.record(&p, Outcome::Succeeded, true, later, || 0);
    assert_eq!(b.state(), BreakerState::Closed);
    assert_eq!(
        b.admit(&p, || unreachable!("a closed breaker reads no clock")),
        Admission::Run
    );
    assert_eq!((b.snapshot().opened, b.snapshot().closed), (1, 1));
}

#[test]
fn a_failed_probe_opens_it_again_for_a_whole_period() {
    let b = CircuitBreaker::new("t.reopen");
    let p = policy(1, 1);
    let t0 = Instant::now();
    b.record(&p, Outcome::Failed, false, t0, || 1);
    b.record(&p, Outcome::Failed, false, t0, || 2);
    let t1 = t0 + p.open_for;
    assert_eq!(b.admit(&p, || t1), Admission::Probe);
    b.record(&p, Outcome::Failed, true, t1, || 2);
    assert_eq!(b.state(), BreakerState::Open);
    assert_eq!(b.admit(&p, || t1 + p.open_for - SECOND), Admission::Refused);
    assert_eq!(b.admit(&p, || t1 + p.open_for), Admission::Probe);
}

#[test]
fn forced_states_hold_until_released() {
    let b = CircuitBreaker::new("t.forced");
    let p = policy(1, 1);
    let t0 = Instant::now();
    b.force(Some(Forced::Open), t0);
    assert_eq!(
        b.admit(&p, || t0 + Duration::from_secs(3_600)),
        Admission::Refused
    );
    b.force(Some(Forced::Closed), t0);
    b.record(&p, Outcome::Failed, false, t0, || 1);
    assert_eq!(
        b.admit(&p, || t0),
        Admission::Run,
        "forced closed counts nothing"
    );
    b.force(None, t0);
    assert_eq!((b.state(), b.forced()), (BreakerState::Closed, None));
}

#[test]
fn a_clock_that_goes_back_or_far_ahead_does_not_panic() {
    let b = CircuitBreaker::new("t.clock");
    let p = crate::Policy::builder()
        .breaker_min_calls(1)
        .breaker_open_for(Duration::MAX)
        .breaker_window(Duration::MAX)
        .build()
        .unwrap()
        .breaker()
        .unwrap();
    let t0 = Instant::now() + Duration::from_secs(3_600);
    b.record(&p, Outcome::Failed, false, t0, || u64::MAX - 1);
    b.record(&p, Outcome::Failed, false, t0, || u64::MAX);
    assert_eq!(
        b.admit(&p, || t0 + Duration::from_secs(1)),
        Admission::Refused
    );
    // The clock went back past the open period's start: it counts as over, not as a freeze.
    let back = t0 - Duration::from_secs(3_600);
    assert_eq!(b.admit(&p, || back), Admission::Refused);
}
