//! The seed's two retry policies, and their time-scaled copies for demos and tests.

use std::time::Duration;

use wait_or_die::Policy;

/// The seed's socket policy (`zmq_service.py`): 30 s budget, 10 retries, 0.5 s → 5 s.
pub const SOCKET_POLICY: Policy = Policy::builder()
    .timeout(Duration::from_secs(30))
    .max_retries(10)
    .initial_wait(Duration::from_millis(500))
    .max_wait(Duration::from_secs(5))
    .build_const();

/// The seed's order policy (`json_gateway.py`): 30 s budget, 5 retries, 1 s → 10 s.
pub const EXECUTION_POLICY: Policy = Policy::builder()
    .timeout(Duration::from_secs(30))
    .max_retries(5)
    .initial_wait(Duration::from_secs(1))
    .max_wait(Duration::from_secs(10))
    .build_const();

/// `policy` with every duration multiplied by `scale` (retry counts unchanged), so a demo or a
/// soak test runs the seed's schedule faster without changing its shape.
///
/// ```
/// use std::time::Duration;
/// use gateway_example::execution::{scaled_policy, EXECUTION_POLICY};
///
/// let fast = scaled_policy(EXECUTION_POLICY, 0.1);
/// assert_eq!(fast.initial_wait(), Duration::from_millis(100));
/// assert_eq!(fast.max_retries(), EXECUTION_POLICY.max_retries());
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
    }
}
