//! Regressions for run-time control that did not hold: past eight distinct run-time policies, a
//! site's kill switch and overrides were silently ignored. On tokio's paused clock; each test
//! uses a site of its own, since tests run in parallel.

use std::io;
use std::time::Duration;

use wait_or_die::control::{self, Override};
use wait_or_die::{wait_or_die, Jitter, Policy};

/// A policy computed per request, as `policy = ...` is documented for: its own timeout each time.
fn per_request(timeout_ms: u64) -> Policy {
    Policy::builder()
        .timeout(Duration::from_millis(timeout_ms))
        .max_retries(3)
        .initial_wait(Duration::from_millis(10))
        .max_wait(Duration::from_millis(10))
        .jitter(Jitter::None)
        .no_budget()
        .build()
        .unwrap()
}

#[wait_or_die(policy = per_request(timeout_ms), name = "defects.control.switched")]
async fn switched(timeout_ms: u64, attempts: &mut u32) -> io::Result<()> {
    *attempts += 1;
    Err(io::ErrorKind::ConnectionRefused.into())
}

#[wait_or_die(policy = per_request(timeout_ms), name = "defects.control.tuned")]
async fn tuned(timeout_ms: u64, attempts: &mut u32) -> io::Result<()> {
    *attempts += 1;
    Err(io::ErrorKind::ConnectionRefused.into())
}

#[tokio::test(start_paused = true)]
async fn the_kill_switch_holds_whatever_the_number_of_policies() {
    control::retries_off("defects.control.switched").unwrap();
    let mut per_call = Vec::new();
    for call in 0..20 {
        let mut attempts = 0;
        switched(1_000 + call, &mut attempts).await.unwrap_err();
        per_call.push(attempts);
    }
    control::clear("defects.control.switched").unwrap();
    assert_eq!(per_call, [1; 20], "attempts per call after the switch");

    let mut attempts = 0;
    switched(5_000, &mut attempts).await.unwrap_err();
    assert_eq!(attempts, 4, "released, the policy's own retries again");
}

#[tokio::test(start_paused = true)]
async fn an_override_holds_whatever_the_number_of_policies() {
    control::set("defects.control.tuned", Override::new().max_retries(1)).unwrap();
    let mut per_call = Vec::new();
    for call in 0..20 {
        let mut attempts = 0;
        tuned(1_000 + call, &mut attempts).await.unwrap_err();
        per_call.push(attempts);
    }
    // The same policies again: each call still under the override, none under its base.
    for call in 0..20 {
        let mut attempts = 0;
        tuned(1_000 + call, &mut attempts).await.unwrap_err();
        per_call.push(attempts);
    }
    control::clear("defects.control.tuned").unwrap();
    assert_eq!(per_call, [2; 40], "attempts per call under max_retries = 1");
}
