//! Building a [`Policy`] step by step, in a `const` or at run time, and what can be wrong with it.

use core::time::Duration;

use crate::jitter::Jitter;
use crate::policy::rules::first_broken;
use crate::policy::{Growth, Policy, PolicyError};

/// Builds a [`Policy`]; every setter is a `const fn`, and [`build`](PolicyBuilder::build) checks the result.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{Jitter, Policy};
///
/// let policy = Policy::builder()
///     .max_retries(5)
///     .timeout(Duration::from_secs(30))
///     .initial_wait(Duration::from_secs(1))
///     .max_wait(Duration::from_secs(10))
///     .jitter(Jitter::Full)
///     .build()?;
/// assert_eq!(policy.max_wait(), Duration::from_secs(10));
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct PolicyBuilder {
    pub(super) policy: Policy,
}

impl PolicyBuilder {
    pub(crate) const fn from_policy(policy: Policy) -> Self {
        PolicyBuilder { policy }
    }

    /// Sets the retries allowed after the first attempt (`0` means one attempt only).
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().max_retries(0).build().unwrap();
    /// assert_eq!(p.max_attempts(), 1);
    /// ```
    pub const fn max_retries(mut self, retries: u32) -> Self {
        self.policy.max_retries = retries;
        self
    }

    /// Sets the total budget of a call: every attempt and every wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = wait_or_die::Policy::builder().timeout(Duration::from_secs(5)).build().unwrap();
    /// assert_eq!(p.timeout(), Some(Duration::from_secs(5)));
    /// ```
    pub const fn timeout(mut self, budget: Duration) -> Self {
        self.policy.timeout = Some(budget);
        self
    }

    /// Removes the total budget: only `max_retries` bounds the call.
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().no_timeout().build().unwrap();
    /// assert!(p.timeout().is_none());
    /// ```
    pub const fn no_timeout(mut self) -> Self {
        self.policy.timeout = None;
        self
    }

    /// Sets the first wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = wait_or_die::Policy::builder().initial_wait(Duration::ZERO).build().unwrap();
    /// assert_eq!(p.initial_wait(), Duration::ZERO);
    /// ```
    pub const fn initial_wait(mut self, wait: Duration) -> Self {
        self.policy.initial_wait = wait;
        self
    }

    /// Sets the longest single wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = wait_or_die::Policy::builder().max_wait(Duration::from_secs(60)).build().unwrap();
    /// assert_eq!(p.max_wait(), Duration::from_secs(60));
    /// ```
    pub const fn max_wait(mut self, wait: Duration) -> Self {
        self.policy.max_wait = wait;
        self
    }

    /// Sets the growth factor of exponential waits (finite, at least 1).
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().multiplier(3.0).build().unwrap();
    /// assert_eq!(p.multiplier(), 3.0);
    /// assert!(wait_or_die::Policy::builder().multiplier(0.5).build().is_err());
    /// ```
    pub const fn multiplier(mut self, factor: f64) -> Self {
        self.policy.multiplier = factor;
        self
    }

    /// Makes waits grow exponentially (the default).
    ///
    /// ```
    /// use wait_or_die::{Growth, Policy};
    /// let p = Policy::builder().constant().exponential().build().unwrap();
    /// assert_eq!(p.growth(), Growth::Exponential);
    /// ```
    pub const fn exponential(mut self) -> Self {
        self.policy.growth = Growth::Exponential;
        self
    }

    /// Makes every wait `initial_wait` (before jitter).
    ///
    /// ```
    /// use wait_or_die::{Growth, Policy};
    /// let p = Policy::builder().constant().build().unwrap();
    /// assert_eq!(p.growth(), Growth::Constant);
    /// ```
    pub const fn constant(mut self) -> Self {
        self.policy.growth = Growth::Constant;
        self
    }

    /// Sets how waits are randomised.
    ///
    /// ```
    /// use wait_or_die::{Jitter, Policy};
    /// let p = Policy::builder().jitter(Jitter::None).build().unwrap();
    /// assert_eq!(p.jitter(), Jitter::None);
    /// ```
    pub const fn jitter(mut self, jitter: Jitter) -> Self {
        self.policy.jitter = jitter;
        self
    }

    /// Bounds each async attempt; an attempt still running then is cancelled and retried.
    ///
    /// Blocking attempts cannot be interrupted, so the blocking engine ignores this.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = wait_or_die::Policy::builder()
    ///     .attempt_timeout(Duration::from_secs(2))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(p.attempt_timeout(), Some(Duration::from_secs(2)));
    /// ```
    pub const fn attempt_timeout(mut self, budget: Duration) -> Self {
        self.policy.attempt_timeout = Some(budget);
        self
    }

    /// Checks the combination and returns the policy, or what is wrong with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::{Policy, PolicyError};
    ///
    /// let err = Policy::builder()
    ///     .initial_wait(Duration::from_secs(10))
    ///     .max_wait(Duration::from_secs(1))
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err, PolicyError::MaxWaitBelowInitialWait);
    /// ```
    pub const fn build(self) -> Result<Policy, PolicyError> {
        match first_broken(&self.policy) {
            Some(rule) => Err(rule),
            None => Ok(self.policy),
        }
    }

    /// Builds a policy for a `const` or `static` item: an invalid combination stops compilation
    /// with its message there (and panics if called at run time; use [`build`](Self::build) then).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::Policy;
    ///
    /// const ORDERS: Policy = Policy::builder()
    ///     .max_retries(5)
    ///     .initial_wait(Duration::from_secs(1))
    ///     .max_wait(Duration::from_secs(10))
    ///     .build_const();
    /// assert_eq!(ORDERS.max_attempts(), 6);
    /// ```
    pub const fn build_const(self) -> Policy {
        valid_or_panic(self.build())
    }
}

/// The policy, or a panic with the error's message: in a `const`, a compile error.
pub(crate) const fn valid_or_panic(built: Result<Policy, PolicyError>) -> Policy {
    match built {
        Ok(policy) => policy,
        Err(e) => panic!("{}", e.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::DEFAULT_MAX_RETRIES;

    #[test]
    fn default_is_valid_and_bounded() {
        let built = Policy::builder().build().unwrap();
        assert_eq!(built, Policy::DEFAULT);
        assert!(built.timeout().is_some());
        assert_eq!(built.max_attempts(), DEFAULT_MAX_RETRIES + 1);
    }

    #[test]
    fn rejects_each_bad_combination() {
        let b = Policy::builder();
        assert_eq!(
            b.multiplier(0.99).build(),
            Err(PolicyError::InvalidMultiplier)
        );
        assert_eq!(
            b.multiplier(f64::INFINITY).build(),
            Err(PolicyError::InvalidMultiplier)
        );
        assert_eq!(
            b.timeout(Duration::ZERO).build(),
            Err(PolicyError::ZeroTimeout)
        );
        assert_eq!(
            b.attempt_timeout(Duration::ZERO).build(),
            Err(PolicyError::ZeroAttemptTimeout)
        );
        assert_eq!(
            b.initial_wait(Duration::from_secs(6)).build(),
            Err(PolicyError::MaxWaitBelowInitialWait)
        );
    }

    #[test]
    fn max_attempts_saturates() {
        let p = Policy::builder().max_retries(u32::MAX).build().unwrap();
        assert_eq!(p.max_attempts(), u32::MAX);
    }

    #[test]
    fn builds_in_const() {
        const P: Result<Policy, PolicyError> = Policy::builder().max_retries(1).build();
        assert_eq!(P.unwrap().max_retries(), 1);
    }
}
