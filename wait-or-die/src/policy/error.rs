//! What can be wrong with a policy, and which settings each problem is about.

/// Why a [`PolicyBuilder`](crate::PolicyBuilder) refused its combination.
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
    #[error("{}", self.message())]
    MaxWaitBelowInitialWait,
    /// The multiplier is NaN, infinite or below 1.
    #[error("{}", self.message())]
    InvalidMultiplier,
    /// A total budget of zero leaves no time for the first attempt.
    #[error("{}", self.message())]
    ZeroTimeout,
    /// An attempt budget of zero would cancel every attempt.
    #[error("{}", self.message())]
    ZeroAttemptTimeout,
    /// The retry budget's share of calls is negative, above 1 or NaN.
    #[error("{}", self.message())]
    InvalidBudgetRatio,
    /// A retry budget over a zero window would count nothing.
    #[error("{}", self.message())]
    ZeroBudgetWindow,
    /// A shared retry budget's name is empty or blank.
    #[error("{}", self.message())]
    EmptySharedBudgetName,
    /// The circuit breaker's failure share is not above 0 and at most 1.
    #[error("{}", self.message())]
    InvalidBreakerFailureRatio,
    /// A circuit breaker that may open with no attempt in its window.
    #[error("{}", self.message())]
    ZeroBreakerMinCalls,
    /// A circuit breaker over a zero window would count nothing.
    #[error("{}", self.message())]
    ZeroBreakerWindow,
    /// A circuit breaker open for no time would refuse nothing.
    #[error("{}", self.message())]
    ZeroBreakerOpenFor,
    /// A half-open circuit breaker that admits no probe would never close.
    #[error("{}", self.message())]
    ZeroBreakerProbes,
    /// A shared circuit breaker's name is empty or blank.
    #[error("{}", self.message())]
    EmptySharedBreakerName,
    /// A hedge delay of zero would send every call twice at once.
    #[error("{}", self.message())]
    ZeroHedgeDelay,
    /// The hedging percentile is not above 0 and below 100.
    #[error("{}", self.message())]
    InvalidHedgePercentile,
    /// Hedging that may start no hedge.
    #[error("{}", self.message())]
    ZeroMaxHedges,
    /// `max_hedges` given without `hedge_after`: no hedge would ever know when to start.
    #[error("{}", self.message())]
    MaxHedgesWithoutDelay,
}

impl PolicyError {
    /// Every rule a policy is checked against, in the order [`build`](crate::PolicyBuilder::build)
    /// checks them.
    pub(crate) const ALL: &'static [PolicyError] = &[
        PolicyError::InvalidMultiplier,
        PolicyError::MaxWaitBelowInitialWait,
        PolicyError::ZeroTimeout,
        PolicyError::ZeroAttemptTimeout,
        PolicyError::InvalidBudgetRatio,
        PolicyError::ZeroBudgetWindow,
        PolicyError::EmptySharedBudgetName,
        PolicyError::InvalidBreakerFailureRatio,
        PolicyError::ZeroBreakerMinCalls,
        PolicyError::ZeroBreakerWindow,
        PolicyError::ZeroBreakerOpenFor,
        PolicyError::ZeroBreakerProbes,
        PolicyError::EmptySharedBreakerName,
        PolicyError::ZeroHedgeDelay,
        PolicyError::InvalidHedgePercentile,
        PolicyError::ZeroMaxHedges,
        PolicyError::MaxHedgesWithoutDelay,
    ];

    /// The error's message, usable in a `const` panic.
    ///
    /// ```
    /// use wait_or_die::PolicyError;
    /// assert!(PolicyError::ZeroTimeout.message().starts_with("timeout"));
    /// ```
    pub const fn message(&self) -> &'static str {
        match self {
            PolicyError::MaxWaitBelowInitialWait => {
                "max_wait must be at least initial_wait; when only one is set, the other keeps its default"
            }
            PolicyError::InvalidMultiplier => "multiplier must be a finite number of at least 1",
            PolicyError::ZeroTimeout => {
                "timeout must be greater than zero; for no total budget, call no_timeout() or write timeout = \"none\""
            }
            PolicyError::ZeroAttemptTimeout => "attempt_timeout must be greater than zero",
            PolicyError::InvalidBudgetRatio => {
                "budget_ratio must be a number from 0 to 1: the share of calls that may be retried"
            }
            PolicyError::ZeroBudgetWindow => "budget_window must be greater than zero",
            PolicyError::EmptySharedBudgetName => {
                "a shared budget's name cannot be empty; to turn the budget off, call no_budget() or write budget = \"none\""
            }
            PolicyError::InvalidBreakerFailureRatio => {
                "breaker_failure_ratio must be a number above 0 and at most 1: the share of attempts that fail"
            }
            PolicyError::ZeroBreakerMinCalls => "breaker_min_calls must be at least 1",
            PolicyError::ZeroBreakerWindow => "breaker_window must be greater than zero",
            PolicyError::ZeroBreakerOpenFor => "breaker_open_for must be greater than zero",
            PolicyError::ZeroBreakerProbes => "breaker_probes must be at least 1",
            PolicyError::EmptySharedBreakerName => {
                "a shared breaker's name cannot be empty; for a breaker of the site's own, write breaker = true"
            }
            PolicyError::ZeroHedgeDelay => {
                "hedge_after must be greater than zero: a hedge sent at once doubles every call's load"
            }
            PolicyError::InvalidHedgePercentile => {
                "hedge_after's percentile must be above 0 and below 100, as in \"p95\""
            }
            PolicyError::ZeroMaxHedges => {
                "max_hedges must be at least 1; for no hedging, leave hedge_after out"
            }
            PolicyError::MaxHedgesWithoutDelay => {
                "max_hedges needs hedge_after: a delay (\"50ms\") or a percentile (\"p95\") after which a hedge starts"
            }
        }
    }

    /// The settings the error is about, by their names as arguments of `#[wait_or_die]`, the
    /// one to change first leading: a configuration can point at the offending key.
    ///
    /// ```
    /// use wait_or_die::PolicyError;
    /// assert_eq!(PolicyError::ZeroTimeout.settings(), ["timeout"]);
    /// assert_eq!(PolicyError::MaxWaitBelowInitialWait.settings(), ["max_wait", "initial_wait"]);
    /// ```
    pub const fn settings(&self) -> &'static [&'static str] {
        match self {
            PolicyError::MaxWaitBelowInitialWait => &["max_wait", "initial_wait"],
            PolicyError::InvalidMultiplier => &["multiplier"],
            PolicyError::ZeroTimeout => &["timeout"],
            PolicyError::ZeroAttemptTimeout => &["attempt_timeout"],
            PolicyError::InvalidBudgetRatio => &["budget_ratio"],
            PolicyError::ZeroBudgetWindow => &["budget_window"],
            PolicyError::EmptySharedBudgetName => &["budget"],
            PolicyError::InvalidBreakerFailureRatio => &["breaker_failure_ratio"],
            PolicyError::ZeroBreakerMinCalls => &["breaker_min_calls"],
            PolicyError::ZeroBreakerWindow => &["breaker_window"],
            PolicyError::ZeroBreakerOpenFor => &["breaker_open_for"],
            PolicyError::ZeroBreakerProbes => &["breaker_probes"],
            PolicyError::EmptySharedBreakerName => &["breaker"],
            PolicyError::ZeroHedgeDelay | PolicyError::InvalidHedgePercentile => &["hedge_after"],
            PolicyError::ZeroMaxHedges => &["max_hedges"],
            PolicyError::MaxHedgesWithoutDelay => &["max_hedges", "hedge_after"],
        }
    }
}
