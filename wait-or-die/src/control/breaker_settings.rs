//! What an operator may change about a site's circuit breaker: whether it has one (its own, one
//! shared by name, or none) and its settings; laid over the policy with the rest of an
//! [`Override`](crate::control::Override).
//!
//! A data module, as `settings.rs` is: it imports only `policy` and `control/names.rs`.

use core::time::Duration;

use crate::control::names::intern_name;
use crate::policy::PolicyBuilder;

/// Whether an override gives the site a circuit breaker, and which.
///
/// ```
/// use wait_or_die::control::{BreakerChoice, BreakerOverride};
///
/// let shared = BreakerOverride::new().shared("mt5-terminal");
/// assert_eq!(shared.choice, Some(BreakerChoice::Shared("mt5-terminal")));
/// assert_eq!(BreakerOverride::new().off().choice, Some(BreakerChoice::Off));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BreakerChoice {
    /// No circuit breaker.
    Off,
    /// A breaker of the site's own.
    Own,
    /// One breaker shared by every site that names it.
    Shared(&'static str),
}

/// The circuit breaker settings of an override; each `None` keeps the site's own.
///
/// A setting given without a [`choice`](BreakerOverride::choice) tunes the breaker the site
/// already has; [`control::set`](crate::control::set) refuses one for a site that has none,
/// and one given with [`BreakerChoice::Off`].
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{control::{BreakerOverride, Override}, Policy};
///
/// let faster = BreakerOverride::new().own().open_for(Duration::from_secs(1));
/// let policy = Override::new().breaker(faster).apply(&Policy::DEFAULT)?;
/// assert_eq!(policy.breaker().unwrap().open_for(), Duration::from_secs(1));
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct BreakerOverride {
    /// Whether the site has a breaker, and which.
    pub choice: Option<BreakerChoice>,
    /// The share of counted attempts in the window that opens it (above 0, at most 1).
    pub failure_ratio: Option<f64>,
    /// The attempts the window must hold before it may open.
    pub min_calls: Option<u32>,
    /// The sliding window over which attempts and failures are counted.
    pub window: Option<Duration>,
    /// How long it stays open before it admits probes.
    pub open_for: Option<Duration>,
    /// How many attempts a half-open breaker admits at once.
    pub probes: Option<u32>,
}

impl BreakerOverride {
    /// Settings that change nothing.
    ///
    /// ```
    /// assert!(wait_or_die::control::BreakerOverride::new().is_empty());
    /// ```
    pub fn new() -> Self {
        BreakerOverride::default()
    }

    /// Whether it changes nothing.
    ///
    /// ```
    /// assert!(!wait_or_die::control::BreakerOverride::new().probes(2).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        *self == BreakerOverride::default()
    }

    /// Removes the site's breaker.
    ///
    /// See [`BreakerChoice`] for an example.
    pub fn off(mut self) -> Self {
        self.choice = Some(BreakerChoice::Off);
        self
    }

    /// Gives the site a breaker of its own.
    ///
    /// ```
    /// use wait_or_die::control::{BreakerChoice, BreakerOverride};
    /// assert_eq!(BreakerOverride::new().own().choice, Some(BreakerChoice::Own));
    /// ```
    pub fn own(mut self) -> Self {
        self.choice = Some(BreakerChoice::Own);
        self
    }

    /// Shares one breaker between every site that names it; the name is kept for the life of
    /// the process (once per distinct name).
    ///
    /// See [`BreakerChoice`] for an example.
    pub fn shared(mut self, name: &str) -> Self {
        self.choice = Some(BreakerChoice::Shared(intern_name(name)));
        self
    }

    /// Sets the share of counted attempts that opens the breaker (above 0, at most 1).
    ///
    /// ```
    /// let b = wait_or_die::control::BreakerOverride::new().failure_ratio(0.25);
    /// assert_eq!(b.failure_ratio, Some(0.25));
    /// ```
    pub fn failure_ratio(mut self, ratio: f64) -> Self {
        self.failure_ratio = Some(ratio);
        self
    }

    /// Sets the attempts the window must hold before the breaker may open (at least 1).
    ///
    /// ```
    /// let b = wait_or_die::control::BreakerOverride::new().min_calls(5);
    /// assert_eq!(b.min_calls, Some(5));
    /// ```
    pub fn min_calls(mut self, calls: u32) -> Self {
        self.min_calls = Some(calls);
        self
    }

    /// Sets the sliding window (greater than zero).
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = wait_or_die::control::BreakerOverride::new().window(Duration::from_secs(10));
    /// assert_eq!(b.window, Some(Duration::from_secs(10)));
    /// ```
    pub fn window(mut self, window: Duration) -> Self {
        self.window = Some(window);
        self
    }

    /// Sets how long the breaker stays open before it admits probes (greater than zero).
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = wait_or_die::control::BreakerOverride::new().open_for(Duration::from_secs(2));
    /// assert_eq!(b.open_for, Some(Duration::from_secs(2)));
    /// ```
    pub fn open_for(mut self, open_for: Duration) -> Self {
        self.open_for = Some(open_for);
        self
    }

    /// Sets how many attempts a half-open breaker admits at once (at least 1).
    ///
    /// ```
    /// let b = wait_or_die::control::BreakerOverride::new().probes(2);
    /// assert_eq!(b.probes, Some(2));
    /// ```
    pub fn probes(mut self, probes: u32) -> Self {
        self.probes = Some(probes);
        self
    }

    /// `over`'s settings where it has them, these elsewhere.
    pub(crate) fn overlaid_by(&self, over: &BreakerOverride) -> BreakerOverride {
        BreakerOverride {
            choice: over.choice.or(self.choice),
            failure_ratio: over.failure_ratio.or(self.failure_ratio),
            min_calls: over.min_calls.or(self.min_calls),
            window: over.window.or(self.window),
            open_for: over.open_for.or(self.open_for),
            probes: over.probes.or(self.probes),
        }
    }

    /// The first setting given, by its name as a config key.
    pub(crate) fn first_setting(&self) -> Option<&'static str> {
        [
            (self.failure_ratio.is_some(), "breaker_failure_ratio"),
            (self.min_calls.is_some(), "breaker_min_calls"),
            (self.window.is_some(), "breaker_window"),
            (self.open_for.is_some(), "breaker_open_for"),
            (self.probes.is_some(), "breaker_probes"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }

    /// `b` with these settings laid over it. Settings tune the breaker the choice gives, or
    /// the one the policy has; they never give a site one on their own.
    pub(crate) fn over(&self, mut b: PolicyBuilder) -> PolicyBuilder {
        b = match self.choice {
            Some(BreakerChoice::Off) => return b.no_breaker(),
            Some(BreakerChoice::Own) => b.breaker().unshared_breaker(),
            Some(BreakerChoice::Shared(name)) => b.shared_breaker(name),
            None if !b.has_breaker() => return b,
            None => b,
        };
        if let Some(ratio) = self.failure_ratio {
            b = b.breaker_failure_ratio(ratio);
        }
        if let Some(calls) = self.min_calls {
            b = b.breaker_min_calls(calls);
        }
        if let Some(window) = self.window {
            b = b.breaker_window(window);
        }
        if let Some(open_for) = self.open_for {
            b = b.breaker_open_for(open_for);
        }
        if let Some(probes) = self.probes {
            b = b.breaker_probes(probes);
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn a_choice_gives_or_removes_a_breaker_and_settings_only_tune_one() {
        let shared = Policy::builder().shared_breaker("dep").build().unwrap();
        let own = BreakerOverride::new().own().over(shared.to_builder());
        let own = own.build().unwrap().breaker().unwrap();
        assert_eq!(own.shared_name(), None);
        let off = BreakerOverride::new().off().probes(2);
        assert_eq!(
            off.over(shared.to_builder()).build().unwrap().breaker(),
            None
        );
        // Settings alone tune the breaker a policy has, and give none to one without.
        let tune = BreakerOverride::new().min_calls(3);
        let tuned = tune.over(shared.to_builder()).build().unwrap();
        assert_eq!(tuned.breaker().unwrap().min_calls(), 3);
        assert_eq!(tuned.breaker().unwrap().shared_name(), Some("dep"));
        let none = tune.over(Policy::builder()).build().unwrap();
        assert_eq!(none.breaker(), None);
        assert_eq!(tune.first_setting(), Some("breaker_min_calls"));
    }
}
