//! The circuit breaker's settings: when a site (or a group of sites sharing one breaker) stops
//! calling a dependency that fails, for how long, and how it tries again; and the builder's
//! setters for them.
//!
//! Data only: the breaker runs in the engine (`strategy/breaker.rs`), which reads it from
//! [`Policy::breaker`]. It is off unless asked for. The defaults, from the anchors:
//!
//! | setting | default | Polly v8 | resilience4j | why ours |
//! |---|---|---|---|---|
//! | failure ratio | 0.5 | 0.1 | 50 % | with 5 % independent transient failures, 10 of 20 failing is a 1-in-10⁸ event: the breaker never opens on noise, while a dead dependency (100 %) trips it at once |
//! | minimum attempts | 20 | 100 | 100 | a site at 1 call a second still gathers them within the window; 10 failures are twice Finagle's 5 consecutive |
//! | window | 30 s | 30 s (sampling) | 100 calls | Polly's |
//! | open for | 5 s | 5 s | 60 s | Polly's: trading resumes within 5 s of a terminal's return |
//! | probes | 1 | 1 | 10 | Polly's: one attempt tests a dependency that is probably still dead |

use core::time::Duration;

use crate::policy::{Policy, PolicyBuilder};

/// Share of counted attempts in the window that must fail for the breaker to open, by default.
pub(crate) const DEFAULT_BREAKER_FAILURE_RATIO: f64 = 0.5;
/// Attempts the window must hold before the breaker may open, by default.
pub(crate) const DEFAULT_BREAKER_MIN_CALLS: u32 = 20;
/// The sliding window over which attempts and failures are counted, by default.
pub(crate) const DEFAULT_BREAKER_WINDOW: Duration = Duration::from_secs(30);
/// How long an open breaker refuses calls before it lets probes through, by default.
pub(crate) const DEFAULT_BREAKER_OPEN_FOR: Duration = Duration::from_secs(5);
/// Attempts a half-open breaker lets through at once, by default.
pub(crate) const DEFAULT_BREAKER_PROBES: u32 = 1;

/// The settings of a circuit breaker: failure share, minimum attempts, window, open period,
/// probes and sharing.
///
/// A policy has none unless [`PolicyBuilder::breaker`] or [`PolicyBuilder::shared_breaker`]
/// asked for one; read it with [`Policy::breaker`].
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{BreakerPolicy, Policy};
///
/// let breaker = Policy::builder().shared_breaker("mt5-terminal").build()?.breaker().unwrap();
/// assert_eq!(breaker.shared_name(), Some("mt5-terminal"));
/// assert_eq!(breaker.open_for(), Duration::from_secs(5));
/// assert_eq!(Policy::DEFAULT.breaker(), None);
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerPolicy {
    pub(crate) failure_ratio: f64,
    pub(crate) min_calls: u32,
    pub(crate) window: Duration,
    pub(crate) open_for: Duration,
    pub(crate) probes: u32,
    pub(crate) shared_name: Option<&'static str>,
}

impl BreakerPolicy {
    /// A breaker of the site's own with the default settings (see the module's table).
    ///
    /// ```
    /// use wait_or_die::BreakerPolicy;
    /// assert_eq!(BreakerPolicy::DEFAULT.failure_ratio(), 0.5);
    /// assert_eq!(BreakerPolicy::DEFAULT.min_calls(), 20);
    /// ```
    pub const DEFAULT: BreakerPolicy = BreakerPolicy {
        failure_ratio: DEFAULT_BREAKER_FAILURE_RATIO,
        min_calls: DEFAULT_BREAKER_MIN_CALLS,
        window: DEFAULT_BREAKER_WINDOW,
        open_for: DEFAULT_BREAKER_OPEN_FOR,
        probes: DEFAULT_BREAKER_PROBES,
        shared_name: None,
    };

    /// The share of counted attempts in the window that opens the breaker (above 0, at most 1).
    ///
    /// ```
    /// assert_eq!(wait_or_die::BreakerPolicy::DEFAULT.failure_ratio(), 0.5);
    /// ```
    pub const fn failure_ratio(&self) -> f64 {
        self.failure_ratio
    }

    /// The attempts the window must hold before the breaker may open.
    ///
    /// ```
    /// assert_eq!(wait_or_die::BreakerPolicy::DEFAULT.min_calls(), 20);
    /// ```
    pub const fn min_calls(&self) -> u32 {
        self.min_calls
    }

    /// The sliding window over which attempts and failures are counted.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(wait_or_die::BreakerPolicy::DEFAULT.window(), Duration::from_secs(30));
    /// ```
    pub const fn window(&self) -> Duration {
        self.window
    }

    /// How long the breaker stays open before it admits probes.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(wait_or_die::BreakerPolicy::DEFAULT.open_for(), Duration::from_secs(5));
    /// ```
    pub const fn open_for(&self) -> Duration {
        self.open_for
    }

    /// How many attempts a half-open breaker admits at once.
    ///
    /// ```
    /// assert_eq!(wait_or_die::BreakerPolicy::DEFAULT.probes(), 1);
    /// ```
    pub const fn probes(&self) -> u32 {
        self.probes
    }

    /// The name of the breaker this site shares with others, or `None` for one of its own.
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().breaker().build()?;
    /// assert_eq!(p.breaker().unwrap().shared_name(), None);
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn shared_name(&self) -> Option<&'static str> {
        self.shared_name
    }
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy::DEFAULT
    }
}

impl Policy {
    /// The circuit breaker, or `None` when the site has none (the default).
    ///
    /// ```
    /// use wait_or_die::{BreakerPolicy, Policy};
    /// assert_eq!(Policy::DEFAULT.breaker(), None);
    /// assert_eq!(Policy::builder().breaker().build()?.breaker(), Some(BreakerPolicy::DEFAULT));
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn breaker(&self) -> Option<BreakerPolicy> {
        self.breaker
    }
}

impl PolicyBuilder {
    /// The breaker to change: the current one, or a default one of the site's own.
    const fn current_breaker(&self) -> BreakerPolicy {
        match self.policy.breaker {
            Some(breaker) => breaker,
            None => BreakerPolicy::DEFAULT,
        }
    }

    const fn with_breaker(mut self, breaker: BreakerPolicy) -> Self {
        self.policy.breaker = Some(breaker);
        self
    }

    /// Whether the policy being built has a circuit breaker.
    pub(crate) const fn has_breaker(&self) -> bool {
        self.policy.breaker.is_some()
    }

    /// Makes the breaker the site's own, not shared by name (an operator's override).
    pub(crate) const fn unshared_breaker(self) -> Self {
        let mut breaker = self.current_breaker();
        breaker.shared_name = None;
        self.with_breaker(breaker)
    }

    /// Gives the site a circuit breaker of its own (keeping any settings already given).
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().breaker().build()?;
    /// assert!(p.breaker().is_some());
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn breaker(self) -> Self {
        let breaker = self.current_breaker();
        self.with_breaker(breaker)
    }

    /// Shares one breaker between every site that names it (every call to one terminal); the
    /// name must not be empty. Turns the breaker on.
    ///
    /// ```
    /// use wait_or_die::{Policy, PolicyError};
    /// let p = Policy::builder().shared_breaker("mt5").build()?;
    /// assert_eq!(p.breaker().unwrap().shared_name(), Some("mt5"));
    /// assert_eq!(Policy::builder().shared_breaker("").build(), Err(PolicyError::EmptySharedBreakerName));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub const fn shared_breaker(self, name: &'static str) -> Self {
        let mut breaker = self.current_breaker();
        breaker.shared_name = Some(name);
        self.with_breaker(breaker)
    }

    /// Removes the circuit breaker (the default).
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().breaker().no_breaker().build()?;
    /// assert!(p.breaker().is_none());
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn no_breaker(mut self) -> Self {
        self.policy.breaker = None;
        self
    }

    /// Sets the share of counted attempts that opens the breaker (above 0, at most 1). Turns
    /// the breaker on.
    ///
    /// ```
    /// use wait_or_die::{Policy, PolicyError};
    /// let p = Policy::builder().breaker_failure_ratio(0.25).build()?;
    /// assert_eq!(p.breaker().unwrap().failure_ratio(), 0.25);
    /// let zero = Policy::builder().breaker_failure_ratio(0.0).build();
    /// assert_eq!(zero, Err(PolicyError::InvalidBreakerFailureRatio));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub const fn breaker_failure_ratio(self, ratio: f64) -> Self {
        let mut breaker = self.current_breaker();
        breaker.failure_ratio = ratio;
        self.with_breaker(breaker)
    }

    /// Sets the attempts the window must hold before the breaker may open (at least 1). Turns
    /// the breaker on.
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().breaker_min_calls(5).build()?;
    /// assert_eq!(p.breaker().unwrap().min_calls(), 5);
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn breaker_min_calls(self, calls: u32) -> Self {
        let mut breaker = self.current_breaker();
        breaker.min_calls = calls;
        self.with_breaker(breaker)
    }

    /// Sets the sliding window over which attempts and failures are counted (greater than
    /// zero). Turns the breaker on.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = wait_or_die::Policy::builder().breaker_window(Duration::from_secs(10)).build()?;
    /// assert_eq!(p.breaker().unwrap().window(), Duration::from_secs(10));
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn breaker_window(self, window: Duration) -> Self {
        let mut breaker = self.current_breaker();
        breaker.window = window;
        self.with_breaker(breaker)
    }

    /// Sets how long the breaker stays open before it admits probes (greater than zero).
    /// Turns the breaker on.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = wait_or_die::Policy::builder().breaker_open_for(Duration::from_secs(2)).build()?;
    /// assert_eq!(p.breaker().unwrap().open_for(), Duration::from_secs(2));
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn breaker_open_for(self, open_for: Duration) -> Self {
        let mut breaker = self.current_breaker();
        breaker.open_for = open_for;
        self.with_breaker(breaker)
    }

    /// Sets how many attempts a half-open breaker admits at once (at least 1). Turns the
    /// breaker on.
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().breaker_probes(3).build()?;
    /// assert_eq!(p.breaker().unwrap().probes(), 3);
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn breaker_probes(self, probes: u32) -> Self {
        let mut breaker = self.current_breaker();
        breaker.probes = probes;
        self.with_breaker(breaker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyError;

    #[test]
    fn rejects_each_bad_breaker_and_checks_only_one_that_is_on() {
        let b = Policy::builder();
        for ratio in [0.0, -0.1, 1.01, f64::NAN, f64::INFINITY] {
            let got = b.breaker_failure_ratio(ratio).build();
            assert_eq!(got, Err(PolicyError::InvalidBreakerFailureRatio), "{ratio}");
        }
        let zero = Duration::ZERO;
        let cases = [
            (b.breaker_min_calls(0), PolicyError::ZeroBreakerMinCalls),
            (b.breaker_window(zero), PolicyError::ZeroBreakerWindow),
            (b.breaker_open_for(zero), PolicyError::ZeroBreakerOpenFor),
            (b.breaker_probes(0), PolicyError::ZeroBreakerProbes),
            (b.shared_breaker(" "), PolicyError::EmptySharedBreakerName),
        ];
        for (builder, error) in cases {
            assert_eq!(builder.build(), Err(error));
            assert!(builder.no_breaker().build().is_ok(), "{error:?}");
        }
        let widest = b
            .breaker_window(Duration::MAX)
            .breaker_open_for(Duration::MAX);
        let built = widest.breaker_min_calls(u32::MAX).breaker_probes(u32::MAX);
        assert!(built.breaker_failure_ratio(1.0).build().is_ok());
    }

    #[test]
    fn builds_in_const() {
        const SHARED: Policy = Policy::builder()
            .shared_breaker("mt5")
            .breaker_min_calls(5)
            .build_const();
        let breaker = SHARED.breaker().unwrap();
        assert_eq!(
            (breaker.shared_name(), breaker.min_calls()),
            (Some("mt5"), 5)
        );
        assert_eq!(breaker.probes(), DEFAULT_BREAKER_PROBES);
    }
}
