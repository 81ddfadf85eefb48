//! The blocking engine follows the same table, on an injected clock that moves only when slept
//! on or when an attempt says it took time.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use wait_or_die::{retry_blocking, Action, Clock, Jitter, Policy, StopReason};

struct FakeClock {
    start: Instant,
    offset: Cell<Duration>,
    sleeps: RefCell<Vec<Duration>>,
}

impl FakeClock {
    fn new() -> Self {
        FakeClock {
            start: Instant::now(),
            offset: Cell::new(Duration::ZERO),
            sleeps: RefCell::new(Vec::new()),
        }
    }
    fn advance(&self, d: Duration) {
        self.offset.set(self.offset.get() + d);
    }
    fn elapsed(&self) -> Duration {
        self.offset.get()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.start + self.offset.get()
    }
    fn sleep(&self, d: Duration) {
        self.sleeps.borrow_mut().push(d);
        self.advance(d);
    }
}

fn seed_policy() -> Policy {
    Policy::builder()
        .timeout(Duration::from_secs(30))
        .max_retries(5)
        .initial_wait(Duration::from_secs(1))
        .max_wait(Duration::from_secs(10))
        .jitter(Jitter::None)
        .build()
        .unwrap()
}

#[test]
fn exhausts_with_the_seed_schedule() {
    let clock = FakeClock::new();
    let policy = seed_policy();
    let mut calls = 0;
    let err = retry_blocking(&policy, || {
        calls += 1;
        Err::<(), _>("down")
    })
    .clock(&clock)
    .call()
    .unwrap_err();
    // Waits 1 + 2 + 4 + 8 = 15 s; the fifth wait (10 s) would end at 25 s, inside 30 s.
    assert_eq!(err.reason(), StopReason::Exhausted);
    assert_eq!(calls, 6);
    assert_eq!(
        *clock.sleeps.borrow(),
        [1, 2, 4, 8, 10].map(Duration::from_secs)
    );
}

#[test]
fn slow_attempts_stop_before_a_wait_that_crosses_the_deadline() {
    let clock = FakeClock::new();
    let policy = seed_policy();
    let mut calls = 0;
    let err = retry_blocking(&policy, || {
        calls += 1;
        clock.advance(Duration::from_secs(9));
        Err::<(), _>("slow")
    })
    .clock(&clock)
    .call()
    .unwrap_err();
    // 9 s attempt, 1 s wait, 9 s attempt (19 s), a 2 s wait ends at 21 s: retry; 9 s attempt
    // ends at 30 s: the deadline is spent.
    assert_eq!(err.reason(), StopReason::Deadline);
    assert_eq!(calls, 3);
    assert_eq!(clock.elapsed(), Duration::from_secs(30));
}

#[test]
fn permanent_error_dies_without_sleeping() {
    let clock = FakeClock::new();
    let err = retry_blocking(&seed_policy(), || Err::<(), _>("bad request"))
        .classify(|_: &&str| Action::Die)
        .clock(&clock)
        .call()
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::Permanent);
    assert!(clock.sleeps.borrow().is_empty());
}

#[test]
fn recovers_after_failures() {
    let clock = FakeClock::new();
    let mut left = 2;
    let value = retry_blocking(&seed_policy(), || {
        if left > 0 {
            left -= 1;
            Err("flaky")
        } else {
            Ok("filled")
        }
    })
    .clock(&clock)
    .call()
    .unwrap();
    assert_eq!(value, "filled");
    assert_eq!(clock.elapsed(), Duration::from_secs(3));
}

#[test]
fn panics_propagate_and_are_not_retried() {
    let calls = Cell::new(0);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        retry_blocking(&seed_policy(), || -> Result<(), &str> {
            calls.set(calls.get() + 1);
            panic!("attempt exploded")
        })
        .clock(FakeClock::new())
        .call()
    }));
    assert!(outcome.is_err());
    assert_eq!(calls.get(), 1);
}

#[test]
fn real_clock_waits_for_real() {
    let policy = Policy::builder()
        .max_retries(1)
        .initial_wait(Duration::from_millis(20))
        .max_wait(Duration::from_millis(20))
        .jitter(Jitter::None)
        .build()
        .unwrap();
    let start = Instant::now();
    let _ = retry_blocking(&policy, || Err::<(), _>(())).call();
    // A lower bound only: sleeping never returns early.
    assert!(start.elapsed() >= Duration::from_millis(20));
}
