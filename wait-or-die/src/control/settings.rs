//! What an operator may change about a site's policy, and how it is laid over the policy.

use core::time::Duration;

use crate::control::breaker_settings::{BreakerChoice, BreakerOverride};
use crate::control::error::ControlError;
use crate::control::names::intern_name;
use crate::jitter::Jitter;
use crate::policy::{HedgeAfter, HedgePolicy, Policy, PolicyBuilder, PolicyError};

/// The settings an operator overrides for one site; each `None` keeps the site's own.
///
/// Build one with [`Override::new`] and its setters (each returns the changed override), or
/// set its fields. [`control::set`](crate::control::set) puts it in force; an override is
/// laid over the policy each call starts with, so `max_retries = 2` changes only that.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{control::Override, Policy};
///
/// let settings = Override::new().max_retries(2).max_wait(Duration::from_secs(2));
/// let policy = settings.apply(&Policy::DEFAULT)?;
/// assert_eq!((policy.max_retries(), policy.max_wait()), (2, Duration::from_secs(2)));
/// assert_eq!(policy.timeout(), Policy::DEFAULT.timeout());
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Override {
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// The total budget of a call; `Some(None)` removes it.
    pub timeout: Option<Option<Duration>>,
    /// The first wait.
    pub initial_wait: Option<Duration>,
    /// The longest single wait.
    pub max_wait: Option<Duration>,
    /// How waits are randomised.
    pub jitter: Option<Jitter>,
    /// Turns the retry budget off, or shares it by name.
    pub budget: Option<BudgetChoice>,
    /// The retry budget's share of calls that may be retried, from 0 to 1.
    pub budget_ratio: Option<f64>,
    /// The retry budget's floor of retries per second.
    pub budget_min_per_second: Option<u32>,
    /// The retry budget's sliding window.
    pub budget_window: Option<Duration>,
    /// The circuit breaker: whether the site has one, which, and its settings.
    pub breaker: BreakerOverride,
    /// When a hedge starts beside a pending async attempt; `Some(None)` turns hedging off.
    /// The `#[wait_or_die]` expansion runs hedges only for a function given `hedge_after`.
    pub hedge_after: Option<Option<HedgeAfter>>,
    /// The most hedges that may run beside one attempt.
    pub max_hedges: Option<u32>,
    /// The kill switch: one attempt per call, no retries, whatever else is set.
    pub retries_off: bool,
    /// Fault injection for the site's attempts.
    #[cfg(feature = "chaos")]
    #[cfg_attr(docsrs, doc(cfg(feature = "chaos")))]
    pub chaos: Option<crate::strategy::chaos::Chaos>,
}

/// How an override changes the retry budget's sharing.
///
/// ```
/// use wait_or_die::control::{BudgetChoice, Override};
///
/// let off = Override::new().no_budget();
/// assert_eq!(off.budget, Some(BudgetChoice::Off));
/// let shared = Override::new().shared_budget("mt5-terminal");
/// assert_eq!(shared.budget, Some(BudgetChoice::Shared("mt5-terminal")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BudgetChoice {
    /// No retry budget: only the policy's own limits bound retries.
    Off,
    /// One budget shared by every site that names it.
    Shared(&'static str),
}

impl Override {
    /// An override that changes nothing.
    ///
    /// ```
    /// assert!(wait_or_die::control::Override::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Override::default()
    }

    /// Whether it changes nothing at all.
    ///
    /// ```
    /// use wait_or_die::control::Override;
    /// assert!(!Override::new().retries_off().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        *self == Override::default()
    }

    /// Sets the retries allowed after the first attempt.
    ///
    /// ```
    /// let o = wait_or_die::control::Override::new().max_retries(1);
    /// assert_eq!(o.max_retries, Some(1));
    /// ```
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Sets the total budget of a call (greater than zero).
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = wait_or_die::control::Override::new().timeout(Duration::from_secs(5));
    /// assert_eq!(o.timeout, Some(Some(Duration::from_secs(5))));
    /// ```
    pub fn timeout(mut self, budget: Duration) -> Self {
        self.timeout = Some(Some(budget));
        self
    }

    /// Removes the total budget.
    ///
    /// ```
    /// let o = wait_or_die::control::Override::new().no_timeout();
    /// assert_eq!(o.timeout, Some(None));
    /// ```
    pub fn no_timeout(mut self) -> Self {
        self.timeout = Some(None);
        self
    }

    /// Sets the first wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = wait_or_die::control::Override::new().initial_wait(Duration::from_millis(100));
    /// assert_eq!(o.initial_wait, Some(Duration::from_millis(100)));
    /// ```
    pub fn initial_wait(mut self, wait: Duration) -> Self {
        self.initial_wait = Some(wait);
        self
    }

    /// Sets the longest single wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = wait_or_die::control::Override::new().max_wait(Duration::from_secs(2));
    /// assert_eq!(o.max_wait, Some(Duration::from_secs(2)));
    /// ```
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = Some(wait);
        self
    }

    /// Sets how waits are randomised.
    ///
    /// ```
    /// use wait_or_die::{control::Override, Jitter};
    /// assert_eq!(Override::new().jitter(Jitter::Full).jitter, Some(Jitter::Full));
    /// ```
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = Some(jitter);
        self
    }

    /// Turns the retry budget off.
    ///
    /// See [`BudgetChoice`] for an example.
    pub fn no_budget(mut self) -> Self {
        self.budget = Some(BudgetChoice::Off);
        self
    }

    /// Shares one retry budget between every site that names it; the name is kept for the
    /// life of the process (once per distinct name).
    ///
    /// See [`BudgetChoice`] for an example.
    pub fn shared_budget(mut self, name: &str) -> Self {
        self.budget = Some(BudgetChoice::Shared(intern_name(name)));
        self
    }

    /// Sets the retry budget's share of calls that may be retried (from 0 to 1).
    ///
    /// ```
    /// let o = wait_or_die::control::Override::new().budget_ratio(0.1);
    /// assert_eq!(o.budget_ratio, Some(0.1));
    /// ```
    pub fn budget_ratio(mut self, ratio: f64) -> Self {
        self.budget_ratio = Some(ratio);
        self
    }

    /// Sets the retry budget's floor of retries per second.
    ///
    /// ```
    /// let o = wait_or_die::control::Override::new().budget_min_per_second(0);
    /// assert_eq!(o.budget_min_per_second, Some(0));
    /// ```
    pub fn budget_min_per_second(mut self, retries: u32) -> Self {
        self.budget_min_per_second = Some(retries);
        self
    }

    /// Sets the retry budget's sliding window (greater than zero).
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = wait_or_die::control::Override::new().budget_window(Duration::from_secs(60));
    /// assert_eq!(o.budget_window, Some(Duration::from_secs(60)));
    /// ```
    pub fn budget_window(mut self, window: Duration) -> Self {
        self.budget_window = Some(window);
        self
    }

    /// Sets the circuit breaker: whether the site has one, which, and its settings.
    ///
    /// See [`BreakerOverride`] for an example.
    pub fn breaker(mut self, breaker: BreakerOverride) -> Self {
        self.breaker = breaker;
        self
    }

    /// Starts a hedge when an async attempt is still pending `delay` after it started (see
    /// [`HedgePolicy`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::{control::Override, HedgeAfter, Policy};
    /// let o = Override::new().hedge_after(Duration::from_millis(40)).max_hedges(2);
    /// let hedge = o.apply(&Policy::DEFAULT)?.hedge().unwrap();
    /// assert_eq!((hedge.after(), hedge.max_hedges()), (HedgeAfter::Delay(Duration::from_millis(40)), 2));
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub fn hedge_after(mut self, delay: Duration) -> Self {
        self.hedge_after = Some(Some(HedgeAfter::Delay(delay)));
        self
    }

    /// Starts a hedge when an async attempt is still pending past the site's recent latency
    /// at `percentile` (above 0, below 100).
    ///
    /// ```
    /// use wait_or_die::{control::Override, HedgeAfter};
    /// let o = Override::new().hedge_at_percentile(99.0);
    /// assert_eq!(o.hedge_after, Some(Some(HedgeAfter::Percentile(99.0))));
    /// ```
    pub fn hedge_at_percentile(mut self, percentile: f64) -> Self {
        self.hedge_after = Some(Some(HedgeAfter::Percentile(percentile)));
        self
    }

    /// Turns hedging off.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::{control::Override, Policy};
    /// let hedged = Policy::builder().hedge_after(Duration::from_millis(50)).build()?;
    /// assert_eq!(Override::new().no_hedging().apply(&hedged)?.hedge(), None);
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub fn no_hedging(mut self) -> Self {
        self.hedge_after = Some(None);
        self
    }

    /// Sets the most hedges that may run beside one attempt (at least 1).
    ///
    /// ```
    /// assert_eq!(wait_or_die::control::Override::new().max_hedges(3).max_hedges, Some(3));
    /// ```
    pub fn max_hedges(mut self, hedges: u32) -> Self {
        self.max_hedges = Some(hedges);
        self
    }

    /// Engages the kill switch: one attempt per call, no retries.
    ///
    /// ```
    /// use wait_or_die::{control::Override, Policy};
    /// let killed = Override::new().max_retries(5).retries_off().apply(&Policy::DEFAULT)?;
    /// assert_eq!(killed.max_attempts(), 1);
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub fn retries_off(mut self) -> Self {
        self.retries_off = true;
        self
    }

    /// Sets the faults to inject into the site's attempts (feature `chaos`).
    ///
    /// See [`crate::chaos`] for an example.
    #[cfg(feature = "chaos")]
    #[cfg_attr(docsrs, doc(cfg(feature = "chaos")))]
    pub fn chaos(mut self, chaos: crate::strategy::chaos::Chaos) -> Self {
        self.chaos = Some(chaos);
        self
    }

    /// `base` with these settings laid over it, checked by [`PolicyBuilder::build`]: an
    /// override that makes the policy invalid (say, `max_wait` below the policy's
    /// `initial_wait`) is refused.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::{control::Override, Policy, PolicyError};
    ///
    /// let short = Override::new().max_wait(Duration::from_millis(100));
    /// assert_eq!(short.apply(&Policy::DEFAULT), Err(PolicyError::MaxWaitBelowInitialWait));
    /// ```
    pub fn apply(&self, base: &Policy) -> Result<Policy, PolicyError> {
        self.builder_over(*base).build()
    }

    /// `base` with these settings laid over it, at the start of a call: where the override sets
    /// only one of `initial_wait` and `max_wait` and the call's policy has the other on the
    /// wrong side of it, the other is brought to it. The settings were checked when they were
    /// put in force, so the rest cannot fail; should it, the call keeps `base`, but never its
    /// retries under a kill switch.
    pub(crate) fn apply_leniently(&self, base: &Policy) -> Policy {
        let mut base = *base;
        match (self.initial_wait, self.max_wait) {
            (Some(initial), None) => base.max_wait = base.max_wait.max(initial),
            (None, Some(max)) => base.initial_wait = base.initial_wait.min(max),
            _ => {}
        }
        self.builder_over(base).build().unwrap_or_else(|_| {
            if self.retries_off {
                base.max_retries = 0;
            }
            base
        })
    }

    /// Checks the settings against the policy they will change: the site's declared one when
    /// known (`strict`), else any policy, so only the settings themselves are checked.
    pub(crate) fn check(&self, site: &str, declared: Option<&Policy>) -> Result<(), ControlError> {
        if let (Some(BudgetChoice::Off), Some(setting)) = (self.budget, self.budget_setting()) {
            return Err(ControlError::BudgetOffAndSet {
                site: site.to_owned(),
                setting,
            });
        }
        self.check_breaker(site, declared)?;
        #[cfg(feature = "chaos")]
        if let Some(chaos) = &self.chaos {
            if let Some((setting, value)) = chaos.invalid_share() {
                return Err(ControlError::InvalidShare {
                    site: site.to_owned(),
                    setting,
                    value,
                });
            }
        }
        let built = match declared {
            Some(policy) => self.apply(policy),
            // Any policy: only the settings themselves, and the pair when both are given.
            None => self.builder_over(self.lenient_base()).build(),
        };
        built
            .map(drop)
            .map_err(|error| ControlError::InvalidPolicy {
                site: site.to_owned(),
                error,
            })
    }

    /// Breaker settings need a breaker: one turned off, or (when the declared policy is known)
    /// one the site does not have and the override does not give, has nothing to tune.
    fn check_breaker(&self, site: &str, declared: Option<&Policy>) -> Result<(), ControlError> {
        let Some(setting) = self.breaker.first_setting() else {
            return Ok(());
        };
        let has_none = declared.is_some_and(|p| p.breaker().is_none());
        match self.breaker.choice {
            Some(BreakerChoice::Off) => Err(ControlError::BreakerOffAndSet {
                site: site.to_owned(),
                setting,
            }),
            None if has_none => Err(ControlError::NoBreakerToSet {
                site: site.to_owned(),
                setting,
            }),
            _ => Ok(()),
        }
    }

    /// A base policy that no setting here can conflict with, but for its own values.
    fn lenient_base(&self) -> Policy {
        let mut base = Policy::DEFAULT;
        if let Some(initial) = self.initial_wait {
            base.max_wait = base.max_wait.max(initial);
        }
        if let Some(max) = self.max_wait {
            base.initial_wait = base.initial_wait.min(max);
        }
        if self.max_hedges.is_some() {
            // A site of its own hedging may be given a number of hedges alone.
            base.hedge = Some(HedgePolicy {
                after: Some(HedgeAfter::Delay(Duration::from_millis(1))),
                max_hedges: 1,
            });
        }
        base
    }

    /// The first budget number set, by its name as a setting.
    fn budget_setting(&self) -> Option<&'static str> {
        [
            (self.budget_ratio.is_some(), "budget_ratio"),
            (
                self.budget_min_per_second.is_some(),
                "budget_min_per_second",
            ),
            (self.budget_window.is_some(), "budget_window"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }

    /// `over`'s settings where it has them, these elsewhere; the kill switch if either has it.
    pub(crate) fn overlaid_by(&self, over: &Override) -> Override {
        Override {
            max_retries: over.max_retries.or(self.max_retries),
            timeout: over.timeout.or(self.timeout),
            initial_wait: over.initial_wait.or(self.initial_wait),
            max_wait: over.max_wait.or(self.max_wait),
            jitter: over.jitter.or(self.jitter),
            budget: over.budget.or(self.budget),
            budget_ratio: over.budget_ratio.or(self.budget_ratio),
            budget_min_per_second: over.budget_min_per_second.or(self.budget_min_per_second),
            budget_window: over.budget_window.or(self.budget_window),
            breaker: self.breaker.overlaid_by(&over.breaker),
            hedge_after: over.hedge_after.or(self.hedge_after),
            max_hedges: over.max_hedges.or(self.max_hedges),
            retries_off: self.retries_off || over.retries_off,
            #[cfg(feature = "chaos")]
            chaos: over.chaos.or(self.chaos),
        }
    }

    fn builder_over(&self, base: Policy) -> PolicyBuilder {
        let mut b = base.to_builder();
        if let Some(retries) = self.max_retries {
            b = b.max_retries(retries);
        }
        b = match self.timeout {
            Some(Some(budget)) => b.timeout(budget),
            Some(None) => b.no_timeout(),
            None => b,
        };
        if let Some(wait) = self.initial_wait {
            b = b.initial_wait(wait);
        }
        if let Some(wait) = self.max_wait {
            b = b.max_wait(wait);
        }
        if let Some(jitter) = self.jitter {
            b = b.jitter(jitter);
        }
        b = self.budget_over(b);
        b = self.breaker.over(b);
        b = match self.hedge_after {
            Some(Some(HedgeAfter::Delay(delay))) => b.hedge_after(delay),
            Some(Some(HedgeAfter::Percentile(p))) => b.hedge_at_percentile(p),
            Some(None) => b.no_hedging(),
            None => b,
        };
        if let Some(hedges) = self.max_hedges {
            b = b.max_hedges(hedges);
        }
        if self.retries_off {
            b = b.max_retries(0);
        }
        b
    }

    fn budget_over(&self, mut b: PolicyBuilder) -> PolicyBuilder {
        if let Some(ratio) = self.budget_ratio {
            b = b.budget_ratio(ratio);
        }
        if let Some(retries) = self.budget_min_per_second {
            b = b.budget_min_per_second(retries);
        }
        if let Some(window) = self.budget_window {
            b = b.budget_window(window);
        }
        match self.budget {
            Some(BudgetChoice::Off) => b.no_budget(),
            Some(BudgetChoice::Shared(name)) => b.shared_budget(name),
            None => b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn keeps_what_it_does_not_set() {
        let base = Policy::builder().max_retries(7).build().unwrap();
        let p = Override::new().jitter(Jitter::None).apply(&base).unwrap();
        assert_eq!((p.max_retries(), p.jitter()), (7, Jitter::None));
        assert_eq!(Override::new().apply(&base), Ok(base));
    }

    #[test]
    fn refuses_what_the_builder_refuses() {
        let zero = Override::new().timeout(Duration::ZERO);
        assert_eq!(zero.apply(&Policy::DEFAULT), Err(PolicyError::ZeroTimeout));
        let ratio = Override::new().budget_ratio(1.5);
        assert_eq!(
            ratio.check("s", None),
            Err(ControlError::InvalidPolicy {
                site: "s".into(),
                error: PolicyError::InvalidBudgetRatio
            })
        );
        let window = Override::new().budget_window(Duration::ZERO);
        assert!(window.check("s", None).is_err());
        let off_and_set = Override::new().no_budget().budget_window(SECOND);
        assert_eq!(
            off_and_set.check("s", None),
            Err(ControlError::BudgetOffAndSet {
                site: "s".into(),
                setting: "budget_window"
            })
        );
    }

    #[test]
    fn a_one_sided_wait_is_checked_against_the_declared_policy_only() {
        let short = Override::new().max_wait(Duration::from_millis(100));
        let declared = Policy::DEFAULT;
        assert!(short.check("s", Some(&declared)).is_err());
        // Without a declared policy, the call's own initial_wait is brought down to it.
        assert!(short.check("s", None).is_ok());
        let p = short.apply_leniently(&declared);
        assert_eq!(
            (p.initial_wait(), p.max_wait()),
            (short.max_wait.unwrap(), short.max_wait.unwrap())
        );
        let long = Override::new().initial_wait(10 * SECOND);
        assert_eq!(long.apply_leniently(&declared).max_wait(), 10 * SECOND);
        // Both given and crossed: refused even without a declared policy.
        let crossed = Override::new().initial_wait(2 * SECOND).max_wait(SECOND);
        assert!(crossed.check("s", None).is_err());
    }

    #[test]
    fn the_kill_switch_wins_and_overlays_keep_it() {
        let file = Override::new().max_retries(3).retries_off();
        let api = Override::new().max_retries(9);
        let both = file.overlaid_by(&api);
        assert_eq!(both.max_retries, Some(9));
        assert!(both.retries_off);
        assert_eq!(both.apply(&Policy::DEFAULT).unwrap().max_retries(), 0);
    }

    #[test]
    fn hedging_is_laid_over_and_checked() {
        let hedged = Policy::builder()
            .hedge_after(Duration::from_millis(50))
            .build()
            .unwrap();
        let more = Override::new().max_hedges(3).apply(&hedged).unwrap();
        assert_eq!(more.hedge().unwrap().max_hedges(), 3);
        let p95 = Override::new().hedge_at_percentile(95.0);
        let after = p95.apply(&hedged).unwrap().hedge().unwrap().after();
        assert_eq!(after, HedgeAfter::Percentile(95.0));
        // Without a declared policy, a number of hedges alone is checked on its own.
        assert!(Override::new().max_hedges(2).check("s", None).is_ok());
        let none = Override::new().max_hedges(0).check("s", None);
        assert!(matches!(
            none,
            Err(ControlError::InvalidPolicy {
                error: PolicyError::ZeroMaxHedges,
                ..
            })
        ));
        let off_and_more = Override::new().no_hedging().max_hedges(2);
        assert!(off_and_more.check("s", Some(&hedged)).is_err());
        let p100 = Override::new().hedge_at_percentile(100.0).check("s", None);
        assert!(p100.is_err());
    }

    #[test]
    fn budget_choices() {
        let off = Override::new().no_budget().apply(&Policy::DEFAULT).unwrap();
        assert_eq!(off.budget(), None);
        let shared = Override::new().shared_budget("terminal").budget_ratio(0.5);
        let budget = shared.apply(&Policy::DEFAULT).unwrap().budget().unwrap();
        assert_eq!(
            (budget.shared_name(), budget.ratio()),
            (Some("terminal"), 0.5)
        );
    }
}
