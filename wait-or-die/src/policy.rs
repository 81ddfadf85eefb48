//! What a retried call may do: how many attempts, how long in total, and how long to wait between them.
//!
//! A [`Policy`] is plain data, `Copy`, and can be built in a `const` so the `#[wait_or_die]` macro
//! emits it with no run-time work. Every combination is checked by [`PolicyBuilder::build`], which
//! is itself a `const fn`.

use core::time::Duration;

use crate::jitter::Jitter;

mod breaker;
mod budget;
mod builder;
mod error;
mod hedge;
mod nested;
mod rules;
pub use breaker::BreakerPolicy;
pub use budget::BudgetPolicy;
pub use builder::PolicyBuilder;
pub use error::PolicyError;
pub use hedge::{HedgeAfter, HedgePolicy};
pub use rules::{blame, built};

/// Retries after the first attempt when none is given: 4 attempts in all.
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 3;
/// Total budget of a call when none is given.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// First wait when none is given.
pub(crate) const DEFAULT_INITIAL_WAIT: Duration = Duration::from_millis(500);
/// Longest single wait when none is given.
pub(crate) const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(5);
/// Growth factor of exponential waits when none is given.
pub(crate) const DEFAULT_MULTIPLIER: f64 = 2.0;

/// How the nominal wait grows from one retry to the next.
///
/// ```
/// use wait_or_die::{Growth, Policy};
///
/// let policy = Policy::builder().constant().build().unwrap();
/// assert_eq!(policy.growth(), Growth::Constant);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
/// const SOCKET: Policy = Policy::builder()
///     .timeout(Duration::from_secs(30))
///     .max_retries(10)
///     .initial_wait(Duration::from_millis(500))
///     .max_wait(Duration::from_secs(5))
///     .build_const();
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
    pub(crate) budget: Option<BudgetPolicy>,
    pub(crate) breaker: Option<BreakerPolicy>,
    pub(crate) hedge: Option<HedgePolicy>,
    pub(crate) retry_nested: bool,
}

impl Policy {
    /// The documented defaults: 3 retries, 30 s total, waits 0.5 s → 5 s doubling, equal jitter,
    /// and a retry budget of its own ([`BudgetPolicy::DEFAULT`]).
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
        budget: Some(BudgetPolicy::DEFAULT),
        breaker: None,
        hedge: None,
        retry_nested: false,
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
        PolicyBuilder::from_policy(Policy::DEFAULT)
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
        PolicyBuilder::from_policy(self)
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
