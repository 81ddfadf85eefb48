//! The seed's two retry policies, and their time-scaled copies for demos and tests.
//!
//! Every order call to the terminal shares one circuit breaker, [`TERMINAL_BREAKER`]: once the
//! terminal is found gone (its process killed, say), new orders are answered at once
//! `terminal_unavailable` (retryable, nothing executed) instead of each spending its 30 s on
//! attempts that cannot succeed, and one probe every open period (5 s) finds it back.

use std::time::Duration;

use wait_or_die::Policy;

/// The seed's socket policy (`zmq_service.py`): 30 s budget, 10 retries, 0.5 s → 5 s.
pub const SOCKET_POLICY: Policy = Policy::builder()
    .timeout(Duration::from_secs(30))
    .max_retries(10)
    .initial_wait(Duration::from_millis(500))
    .max_wait(Duration::from_secs(5))
    .build_const();

/// The name of the circuit breaker every order call to the terminal shares.
pub const TERMINAL_BREAKER: &str = "terminal";

/// The share of attempts that must fail for the terminal's breaker to open: a terminal that is
/// gone fails every attempt, while the faults of one that is up (requotes, timeouts, a history
/// that lags; 30 % of calls in the soaks, two calls an attempt) never come near 90 %.
pub const TERMINAL_BREAKER_FAILURE_RATIO: f64 = 0.9;

/// The seed's order policy (`json_gateway.py`): 30 s budget, 5 retries, 1 s → 10 s; with the
/// terminal's shared circuit breaker ([`TERMINAL_BREAKER`]: opens at 90 % of at least 20
/// attempts failing within 30 s, open for 5 s, then one probe).
///
/// ```
/// use std::time::Duration;
/// use gateway_example::execution::{EXECUTION_POLICY, TERMINAL_BREAKER};
///
/// let breaker = EXECUTION_POLICY.breaker().unwrap();
/// assert_eq!(breaker.shared_name(), Some(TERMINAL_BREAKER));
/// assert_eq!(breaker.open_for(), Duration::from_secs(5));
/// ```
pub const EXECUTION_POLICY: Policy = Policy::builder()
    .timeout(Duration::from_secs(30))
    .max_retries(5)
    .initial_wait(Duration::from_secs(1))
    .max_wait(Duration::from_secs(10))
    .shared_breaker(TERMINAL_BREAKER)
    .breaker_failure_ratio(TERMINAL_BREAKER_FAILURE_RATIO)
    .build_const();

/// `policy` with every duration multiplied by `scale` (retry counts unchanged), so a demo or a
/// soak test runs the seed's schedule faster without changing its shape; the breaker's window
/// and open period too.
///
/// ```
/// use std::time::Duration;
/// use gateway_example::execution::{scaled_policy, EXECUTION_POLICY};
///
/// let fast = scaled_policy(EXECUTION_POLICY, 0.1);
/// assert_eq!(fast.initial_wait(), Duration::from_millis(100));
/// assert_eq!(fast.max_retries(), EXECUTION_POLICY.max_retries());
/// assert_eq!(fast.breaker().unwrap().open_for(), Duration::from_millis(500));
/// ```
pub fn scaled_policy(policy: Policy, scale: f64) -> Policy {
    let scale = scale.max(1e-4);
    let mut builder = policy
        .to_builder()
        .initial_wait(policy.initial_wait().mul_f64(scale))
        .max_wait(policy.max_wait().mul_f64(scale));
    if let Some(timeout) = policy.timeout() {
        builder = builder.timeout(timeout.mul_f64(scale));
    }
    if let Some(breaker) = policy.breaker() {
        builder = builder
            .breaker_window(breaker.window().mul_f64(scale))
            .breaker_open_for(breaker.open_for().mul_f64(scale));
    }
    builder.build().unwrap_or(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_keeps_the_shape() {
        let fast = scaled_policy(EXECUTION_POLICY, 0.01);
        assert_eq!(fast.max_retries(), 5);
        assert_eq!(fast.initial_wait(), Duration::from_millis(10));
        assert_eq!(fast.max_wait(), Duration::from_millis(100));
        assert_eq!(fast.timeout(), Some(Duration::from_millis(300)));
        assert_eq!(SOCKET_POLICY.max_attempts(), 11);
        let breaker = fast.breaker().unwrap();
        assert_eq!(breaker.open_for(), Duration::from_millis(50));
        assert_eq!(breaker.shared_name(), Some(TERMINAL_BREAKER));
        assert_eq!(SOCKET_POLICY.breaker(), None);
    }
}
