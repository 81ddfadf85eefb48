//! The retry budget's settings: how many retries a site (or a group of sites sharing a budget)
//! may add to its calls, and the builder's setters for them.
//!
//! This is data only: the budget is checked at run time by the engine, which reads it from
//! [`Policy::budget`]. Within a sliding `window`, retries may reach `ratio` × calls plus
//! `min_per_second` × the window's seconds (the floor, rounded up to whole retries), so a lone
//! caller keeps every retry its policy allows while a fleet in an outage adds at most about
//! `ratio` more load.
//!
//! Windows shorter than one retry of the floor (under 100 ms at the default 10 a second) are
//! accepted: rounded up, the floor grants them one retry per window, so a caller under the
//! floor's rate still keeps its retries (and a caller above it gets one retry per window).

use core::time::Duration;

use crate::policy::{Policy, PolicyBuilder};

/// Share of calls that may be retried within the window, when none is given.
pub(crate) const DEFAULT_BUDGET_RATIO: f64 = 0.2;
/// Retries per second allowed whatever the share, when none is given.
pub(crate) const DEFAULT_BUDGET_MIN_PER_SECOND: u32 = 10;
/// The sliding window over which calls and retries are counted, when none is given.
pub(crate) const DEFAULT_BUDGET_WINDOW: Duration = Duration::from_secs(10);

/// The settings of a retry budget: share of calls, floor per second, window and sharing.
///
/// Every policy has one unless [`PolicyBuilder::no_budget`] turned it off; read it with
/// [`Policy::budget`].
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{BudgetPolicy, Policy};
///
/// let budget = Policy::builder()
///     .budget_ratio(0.1)
///     .shared_budget("mt5-terminal")
///     .build()?
///     .budget()
///     .unwrap();
/// assert_eq!(budget.ratio(), 0.1);
/// assert_eq!(budget.window(), Duration::from_secs(10));
/// assert_eq!(budget.shared_name(), Some("mt5-terminal"));
/// assert_eq!(Policy::DEFAULT.budget(), Some(BudgetPolicy::DEFAULT));
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetPolicy {
    pub(crate) ratio: f64,
    pub(crate) min_per_second: u32,
    pub(crate) window: Duration,
    pub(crate) shared_name: Option<&'static str>,
}

impl BudgetPolicy {
    /// A budget of its own for the site: 20 % of calls plus 10 retries per second over 10 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::BudgetPolicy;
    ///
    /// assert_eq!(BudgetPolicy::DEFAULT.ratio(), 0.2);
    /// assert_eq!(BudgetPolicy::DEFAULT.window(), Duration::from_secs(10));
    /// assert_eq!(BudgetPolicy::DEFAULT.shared_name(), None);
    /// ```
    pub const DEFAULT: BudgetPolicy = BudgetPolicy {
        ratio: DEFAULT_BUDGET_RATIO,
        min_per_second: DEFAULT_BUDGET_MIN_PER_SECOND,
        window: DEFAULT_BUDGET_WINDOW,
        shared_name: None,
    };

    /// The share of calls that may be retried within the window, from 0 to 1.
    ///
    /// ```
    /// assert_eq!(wait_or_die::BudgetPolicy::DEFAULT.ratio(), 0.2);
    /// ```
    pub const fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Retries per second allowed whatever the share of calls, so a lone caller keeps its retries.
    ///
    /// ```
    /// assert_eq!(wait_or_die::BudgetPolicy::DEFAULT.min_per_second(), 10);
    /// ```
    pub const fn min_per_second(&self) -> u32 {
        self.min_per_second
    }

    /// The sliding window over which calls and retries are counted.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(wait_or_die::BudgetPolicy::DEFAULT.window(), Duration::from_secs(10));
    /// ```
    pub const fn window(&self) -> Duration {
        self.window
    }

    /// The name of the budget this site shares with others, or `None` for a budget of its own.
    ///
    /// ```
    /// use wait_or_die::Policy;
    ///
    /// let shared = Policy::builder().shared_budget("orders").build()?;
    /// assert_eq!(shared.budget().unwrap().shared_name(), Some("orders"));
    /// assert_eq!(Policy::DEFAULT.budget().unwrap().shared_name(), None);
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn shared_name(&self) -> Option<&'static str> {
        self.shared_name
    }
}

impl Default for BudgetPolicy {
    fn default() -> Self {
        BudgetPolicy::DEFAULT
    }
}

impl Policy {
    /// The retry budget, or `None` when it is turned off ([`PolicyBuilder::no_budget`]).
    ///
    /// ```
    /// use wait_or_die::{BudgetPolicy, Policy};
    ///
    /// assert_eq!(Policy::DEFAULT.budget(), Some(BudgetPolicy::DEFAULT));
    /// assert_eq!(Policy::builder().no_budget().build()?.budget(), None);
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn budget(&self) -> Option<BudgetPolicy> {
        self.budget
    }
}

impl PolicyBuilder {
    /// The budget to change: the current one, or the default if it was turned off.
    const fn current_budget(&self) -> BudgetPolicy {
        match self.policy.budget {
            Some(budget) => budget,
            None => BudgetPolicy::DEFAULT,
        }
    }

    /// Sets the share of calls that may be retried within the window (from 0 to 1; checked by
    /// [`build`](Self::build)). Turns the budget back on after [`no_budget`](Self::no_budget).
    ///
    /// ```
    /// use wait_or_die::{Policy, PolicyError};
    ///
    /// let p = Policy::builder().budget_ratio(0.1).build()?;
    /// assert_eq!(p.budget().unwrap().ratio(), 0.1);
    /// assert_eq!(Policy::builder().budget_ratio(1.5).build(), Err(PolicyError::InvalidBudgetRatio));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub const fn budget_ratio(mut self, ratio: f64) -> Self {
        let mut budget = self.current_budget();
        budget.ratio = ratio;
        self.policy.budget = Some(budget);
        self
    }

    /// Sets the retries per second allowed whatever the share of calls (`0`: the share alone).
    /// Turns the budget back on after [`no_budget`](Self::no_budget).
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().budget_min_per_second(0).build()?;
    /// assert_eq!(p.budget().unwrap().min_per_second(), 0);
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn budget_min_per_second(mut self, retries: u32) -> Self {
        let mut budget = self.current_budget();
        budget.min_per_second = retries;
        self.policy.budget = Some(budget);
        self
    }

    /// Sets the sliding window over which calls and retries are counted (greater than zero).
    /// Turns the budget back on after [`no_budget`](Self::no_budget). A window shorter than one
    /// retry of the floor (under 100 ms at 10 a second) still grants one retry per window.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::{Policy, PolicyError};
    ///
    /// let p = Policy::builder().budget_window(Duration::from_secs(60)).build()?;
    /// assert_eq!(p.budget().unwrap().window(), Duration::from_secs(60));
    /// let zero = Policy::builder().budget_window(Duration::ZERO).build();
    /// assert_eq!(zero, Err(PolicyError::ZeroBudgetWindow));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub const fn budget_window(mut self, window: Duration) -> Self {
        let mut budget = self.current_budget();
        budget.window = window;
        self.policy.budget = Some(budget);
        self
    }

    /// Shares one budget between every site that names it (say, every call to one server);
    /// the name must not be empty. Turns the budget back on after [`no_budget`](Self::no_budget).
    ///
    /// ```
    /// use wait_or_die::{Policy, PolicyError};
    ///
    /// let p = Policy::builder().shared_budget("mt5-terminal").build()?;
    /// assert_eq!(p.budget().unwrap().shared_name(), Some("mt5-terminal"));
    /// let empty = Policy::builder().shared_budget(" ").build();
    /// assert_eq!(empty, Err(PolicyError::EmptySharedBudgetName));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub const fn shared_budget(mut self, name: &'static str) -> Self {
        let mut budget = self.current_budget();
        budget.shared_name = Some(name);
        self.policy.budget = Some(budget);
        self
    }

    /// Turns the retry budget off: only the policy's own limits bound retries.
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().no_budget().build()?;
    /// assert!(p.budget().is_none());
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn no_budget(mut self) -> Self {
        self.policy.budget = None;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyError;

    #[test]
    fn on_by_default_in_every_builder() {
        assert_eq!(Policy::DEFAULT.budget(), Some(BudgetPolicy::DEFAULT));
        let built = Policy::builder().max_retries(10).build().unwrap();
        assert_eq!(built.budget(), Some(BudgetPolicy::DEFAULT));
        assert_eq!(BudgetPolicy::default(), BudgetPolicy::DEFAULT);
    }

    #[test]
    fn setters_after_no_budget_turn_it_back_on_from_the_defaults() {
        let p = Policy::builder()
            .no_budget()
            .budget_window(Duration::from_secs(1));
        let budget = p.build().unwrap().budget().unwrap();
        assert_eq!(budget.window(), Duration::from_secs(1));
        assert_eq!(budget.ratio(), DEFAULT_BUDGET_RATIO);
        assert_eq!(budget.min_per_second(), DEFAULT_BUDGET_MIN_PER_SECOND);
        let off = Policy::builder().shared_budget("x").no_budget();
        assert_eq!(off.build().unwrap().budget(), None);
    }

    #[test]
    fn rejects_each_bad_budget() {
        let b = Policy::builder();
        for ratio in [-0.01, 1.01, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                b.budget_ratio(ratio).build(),
                Err(PolicyError::InvalidBudgetRatio),
                "{ratio}"
            );
        }
        for ratio in [0.0, 0.2, 1.0] {
            assert!(b.budget_ratio(ratio).build().is_ok(), "{ratio}");
        }
        assert_eq!(
            b.budget_window(Duration::ZERO).build(),
            Err(PolicyError::ZeroBudgetWindow)
        );
        for name in ["", "  ", "\t"] {
            assert_eq!(
                b.shared_budget(name).build(),
                Err(PolicyError::EmptySharedBudgetName),
                "{name:?}"
            );
        }
        // A budget that is off is not checked.
        assert!(b.budget_ratio(2.0).no_budget().build().is_ok());
    }

    #[test]
    fn builds_in_const() {
        const SHARED: Policy = Policy::builder()
            .shared_budget("mt5")
            .budget_ratio(0.1)
            .budget_min_per_second(5)
            .budget_window(Duration::from_secs(30))
            .build_const();
        let budget = SHARED.budget().unwrap();
        assert_eq!(
            (budget.ratio(), budget.min_per_second(), budget.window()),
            (0.1, 5, Duration::from_secs(30))
        );
    }
}
