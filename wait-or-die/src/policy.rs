//! What a retried call may do: how many attempts, how long in total, and how long to wait between them.
//!
//! A [`Policy`] is plain data, `Copy`, and can be built in a `const` so the `#[wait_or_die]` macro
//! emits it with no run-time work. Every combination is checked by [`PolicyBuilder::build`], which
//! is itself a `const fn`.

use core::time::Duration;

use crate::jitter::Jitter;

/// Retries after the first attempt when none is given: 4 attempts in all.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Total budget of a call when none is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// First wait when none is given.
pub const DEFAULT_INITIAL_WAIT: Duration = Duration::from_millis(500);
/// Longest single wait when none is given.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(5);
/// Growth factor of exponential waits when none is given.
pub const DEFAULT_MULTIPLIER: f64 = 2.0;

/// How the nominal wait grows from one retry to the next.
///
/// ```
/// use wait_or_die::{Growth, Policy};
///
/// let policy = Policy::builder().constant().build().unwrap();
/// assert_eq!(policy.growth(), Growth::Constant);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Growth {
    /// `initial_wait × multiplier^(retry - 1)`, capped at `max_wait`.
    Exponential,
    /// Always `initial_wait`.
    Constant,
}

/// The rules of one retried call: attempts, total budget, waits and jitter.
///
/// Build one with [`Policy::builder`]; [`Policy::DEFAULT`] is what a bare `#[wait_or_die]` uses.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::Policy;
///
/// // The seed's socket policy, checked at compile time.
/// const SOCKET: Policy = match Policy::builder()
///     .timeout(Duration::from_secs(30))
///     .max_retries(10)
///     .initial_wait(Duration::from_millis(500))
///     .max_wait(Duration::from_secs(5))
///     .build()
/// {
///     Ok(policy) => policy,
///     Err(e) => panic!("{}", e.message()),
/// };
/// assert_eq!(SOCKET.max_attempts(), 11);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub(crate) max_retries: u32,
    pub(crate) timeout: Option<Duration>,
    pub(crate) initial_wait: Duration,
    pub(crate) max_wait: Duration,
    pub(crate) multiplier: f64,
    pub(crate) growth: Growth,
    pub(crate) jitter: Jitter,
    pub(crate) attempt_timeout: Option<Duration>,
}

impl Policy {
    /// The documented defaults: 3 retries, 30 s total, waits 0.5 s → 5 s doubling, equal jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::Policy;
    ///
    /// assert_eq!(Policy::DEFAULT.timeout(), Some(Duration::from_secs(30)));
    /// assert_eq!(Policy::DEFAULT.max_retries(), 3);
    /// ```
    pub const DEFAULT: Policy = Policy {
        max_retries: DEFAULT_MAX_RETRIES,
        timeout: Some(DEFAULT_TIMEOUT),
        initial_wait: DEFAULT_INITIAL_WAIT,
        max_wait: DEFAULT_MAX_WAIT,
        multiplier: DEFAULT_MULTIPLIER,
        growth: Growth::Exponential,
        jitter: Jitter::DEFAULT,
        attempt_timeout: None,
    };

    /// Starts a builder from [`Policy::DEFAULT`].
    ///
    /// ```
    /// use wait_or_die::Policy;
    ///
    /// let policy = Policy::builder().max_retries(5).build().unwrap();
    /// assert_eq!(policy.max_attempts(), 6);
    /// ```
    pub const fn builder() -> PolicyBuilder {
        PolicyBuilder {
            policy: Policy::DEFAULT,
        }
    }

    /// A builder starting from this policy, to derive a variant of it.
    ///
    /// ```
    /// use wait_or_die::{Jitter, Policy};
    ///
    /// let exact = Policy::DEFAULT.to_builder().jitter(Jitter::None).build().unwrap();
    /// assert_eq!(exact.max_retries(), Policy::DEFAULT.max_retries());
    /// ```
    pub const fn to_builder(self) -> PolicyBuilder {
        PolicyBuilder { policy: self }
    }

    /// Retries allowed after the first attempt.
    ///
    /// ```
    /// assert_eq!(wait_or_die::Policy::DEFAULT.max_retries(), 3);
    /// ```
    pub const fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Attempts allowed in all: `max_retries + 1`, saturating.
    ///
    /// ```
    /// assert_eq!(wait_or_die::Policy::DEFAULT.max_attempts(), 4);
    /// ```
    pub const fn max_attempts(&self) -> u32 {
        self.max_retries.saturating_add(1)
    }

    /// The total budget of a call, if any.
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().no_timeout().build().unwrap();
    /// assert_eq!(p.timeout(), None);
    /// ```
    pub const fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The first wait, and the constant wait when growth is constant.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(wait_or_die::Policy::DEFAULT.initial_wait(), Duration::from_millis(500));
    /// ```
    pub const fn initial_wait(&self) -> Duration {
        self.initial_wait
    }

    /// The longest single wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(wait_or_die::Policy::DEFAULT.max_wait(), Duration::from_secs(5));
    /// ```
    pub const fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// The growth factor of exponential waits.
    ///
    /// ```
    /// assert_eq!(wait_or_die::Policy::DEFAULT.multiplier(), 2.0);
    /// ```
    pub const fn multiplier(&self) -> f64 {
        self.multiplier
    }

    /// Whether waits grow or stay constant.
    ///
    /// ```
    /// use wait_or_die::{Growth, Policy};
    /// assert_eq!(Policy::DEFAULT.growth(), Growth::Exponential);
    /// ```
    pub const fn growth(&self) -> Growth {
        self.growth
    }

    /// How waits are randomised.
    ///
    /// ```
    /// use wait_or_die::{Jitter, Policy};
    /// assert_eq!(Policy::DEFAULT.jitter(), Jitter::Equal);
    /// ```
    pub const fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The budget of a single async attempt, if any.
    ///
    /// ```
    /// assert_eq!(wait_or_die::Policy::DEFAULT.attempt_timeout(), None);
    /// ```
    pub const fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::DEFAULT
    }
}

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
    policy: Policy,
}

impl PolicyBuilder {
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
        let p = self.policy;
        if p.multiplier.is_nan() || p.multiplier < 1.0 || p.multiplier.is_infinite() {
            return Err(PolicyError::InvalidMultiplier);
        }
        if p.max_wait.as_nanos() < p.initial_wait.as_nanos() {
            return Err(PolicyError::MaxWaitBelowInitialWait);
        }
        if let Some(t) = p.timeout {
            if t.is_zero() {
                return Err(PolicyError::ZeroTimeout);
            }
        }
        if let Some(t) = p.attempt_timeout {
            if t.is_zero() {
                return Err(PolicyError::ZeroAttemptTimeout);
            }
        }
        Ok(p)
    }
}

/// Why a [`PolicyBuilder`] refused its combination.
///
/// ```
/// use wait_or_die::{Policy, PolicyError};
/// let err = Policy::builder().multiplier(f64::NAN).build().unwrap_err();
/// assert_eq!(err, PolicyError::InvalidMultiplier);
/// assert_eq!(err.to_string(), err.message());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// `max_wait` is shorter than `initial_wait`.
    #[error("max_wait must be at least initial_wait")]
    MaxWaitBelowInitialWait,
    /// The multiplier is NaN, infinite or below 1.
    #[error("multiplier must be a finite number of at least 1")]
    InvalidMultiplier,
    /// A total budget of zero leaves no time for the first attempt.
    #[error("timeout must be greater than zero; use no_timeout() for no total budget")]
    ZeroTimeout,
    /// An attempt budget of zero would cancel every attempt.
    #[error("attempt_timeout must be greater than zero")]
    ZeroAttemptTimeout,
}

impl PolicyError {
    /// The error's message, usable in a `const` panic.
    ///
    /// ```
    /// use wait_or_die::PolicyError;
    /// assert!(PolicyError::ZeroTimeout.message().starts_with("timeout"));
    /// ```
    pub const fn message(&self) -> &'static str {
        match self {
            PolicyError::MaxWaitBelowInitialWait => "max_wait must be at least initial_wait",
            PolicyError::InvalidMultiplier => "multiplier must be a finite number of at least 1",
            PolicyError::ZeroTimeout => {
                "timeout must be greater than zero; use no_timeout() for no total budget"
            }
            PolicyError::ZeroAttemptTimeout => "attempt_timeout must be greater than zero",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
