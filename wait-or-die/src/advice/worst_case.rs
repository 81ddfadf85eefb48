//! The longest a call can spend waiting between its attempts under a policy: every retry's
//! wait at its upper bound, within the call's budget.

use core::time::Duration;

use crate::backoff::nominal_wait;
use crate::jitter::Jitter;
use crate::policy::Policy;

/// Retries summed one by one before the rest are taken at `max_wait`, so that `max_retries =
/// u32::MAX` costs no more than this.
const SUMMED_RETRIES: u32 = 10_000;

/// The sum of every wait at its upper bound (the nominal schedule; `max_wait` for decorrelated
/// jitter), capped by the `timeout`.
pub(super) fn worst_case_wait(policy: &Policy) -> Duration {
    let retries = policy.max_retries();
    let summed = retries.min(SUMMED_RETRIES);
    let wait = |retry| match policy.jitter() {
        Jitter::Decorrelated => policy.max_wait(),
        _ => nominal_wait(policy, retry),
    };
    let mut total = (1..=summed).fold(Duration::ZERO, |sum, r| sum.saturating_add(wait(r)));
    let rest = retries - summed;
    total = total.saturating_add(policy.max_wait().saturating_mul(rest));
    policy.timeout().map_or(total, |budget| total.min(budget))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(retries: u32, timeout: Option<u64>) -> Policy {
        let b = Policy::builder()
            .max_retries(retries)
            .initial_wait(Duration::from_millis(500))
            .max_wait(Duration::from_secs(5));
        match timeout {
            Some(s) => b.timeout(Duration::from_secs(s)),
            None => b.no_timeout(),
        }
        .build()
        .unwrap()
    }

    #[test]
    fn sums_the_nominal_schedule_within_the_budget() {
        // 0.5 + 1 + 2 + 4 = 7.5 s.
        assert_eq!(
            worst_case_wait(&policy(4, None)),
            Duration::from_millis(7500)
        );
        assert_eq!(
            worst_case_wait(&policy(10, Some(30))),
            Duration::from_secs(30)
        );
        assert_eq!(worst_case_wait(&policy(0, Some(30))), Duration::ZERO);
    }

    #[test]
    fn huge_retry_counts_neither_loop_long_nor_overflow() {
        let unbounded = worst_case_wait(&policy(u32::MAX, None));
        assert!(
            unbounded > Duration::from_secs(u64::from(u32::MAX)),
            "{unbounded:?}"
        );
        assert_eq!(
            worst_case_wait(&policy(u32::MAX, Some(60))),
            Duration::from_secs(60)
        );
    }
}
