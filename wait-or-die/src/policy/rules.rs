//! The rules a policy must keep: [`PolicyBuilder::build`] refuses the first one broken, and
//! `#[wait_or_die]` reports each broken rule at the attribute argument it is blamed on, so the
//! engine stays the one place that knows the defaults and the rules.

use crate::policy::{
    BreakerPolicy, BudgetPolicy, HedgeAfter, HedgePolicy, Policy, PolicyBuilder, PolicyError,
};

impl PolicyError {
    /// Whether `policy` breaks this rule.
    const fn is_broken_by(self, p: &Policy) -> bool {
        match self {
            PolicyError::InvalidMultiplier => {
                p.multiplier.is_nan() || p.multiplier < 1.0 || p.multiplier.is_infinite()
            }
            PolicyError::MaxWaitBelowInitialWait => {
                p.max_wait.as_nanos() < p.initial_wait.as_nanos()
            }
            PolicyError::ZeroTimeout => matches!(p.timeout, Some(t) if t.is_zero()),
            PolicyError::ZeroAttemptTimeout => matches!(p.attempt_timeout, Some(t) if t.is_zero()),
            PolicyError::InvalidBudgetRatio => {
                matches!(p.budget, Some(b) if !(b.ratio >= 0.0 && b.ratio <= 1.0))
            }
            PolicyError::ZeroBudgetWindow => matches!(p.budget, Some(b) if b.window.is_zero()),
            PolicyError::EmptySharedBudgetName => matches!(
                p.budget,
                Some(BudgetPolicy { shared_name: Some(name), .. }) if name.trim_ascii().is_empty()
            ),
            PolicyError::InvalidBreakerFailureRatio => matches!(
                p.breaker, Some(b) if !(b.failure_ratio > 0.0 && b.failure_ratio <= 1.0)
            ),
            PolicyError::ZeroBreakerMinCalls => matches!(p.breaker, Some(b) if b.min_calls == 0),
            PolicyError::ZeroBreakerWindow => matches!(p.breaker, Some(b) if b.window.is_zero()),
            PolicyError::ZeroBreakerOpenFor => matches!(p.breaker, Some(b) if b.open_for.is_zero()),
            PolicyError::ZeroBreakerProbes => matches!(p.breaker, Some(b) if b.probes == 0),
            PolicyError::EmptySharedBreakerName => matches!(
                p.breaker,
                Some(BreakerPolicy { shared_name: Some(name), .. }) if name.trim_ascii().is_empty()
            ),
            PolicyError::ZeroHedgeDelay => matches!(
                p.hedge,
                Some(HedgePolicy { after: Some(HedgeAfter::Delay(d)), .. }) if d.is_zero()
            ),
            PolicyError::InvalidHedgePercentile => matches!(
                p.hedge,
                Some(HedgePolicy { after: Some(HedgeAfter::Percentile(q)), .. }) if !(q > 0.0 && q < 100.0)
            ),
            PolicyError::ZeroMaxHedges => matches!(p.hedge, Some(h) if h.max_hedges == 0),
            PolicyError::MaxHedgesWithoutDelay => matches!(p.hedge, Some(h) if h.after.is_none()),
        }
    }

    /// Which of the `given` arguments this error is blamed on: the first of its
    /// [`settings`](PolicyError::settings) that was given, or else the first argument.
    const fn blamed_on(self, given: &[&str]) -> usize {
        let settings = self.settings();
        let mut s = 0;
        while s < settings.len() {
            let mut g = 0;
            while g < given.len() {
                if str_eq(settings[s], given[g]) {
                    return g;
                }
                g += 1;
            }
            s += 1;
        }
        0
    }
}

/// The first rule `policy` breaks, in the order of [`PolicyError::ALL`].
pub(crate) const fn first_broken(policy: &Policy) -> Option<PolicyError> {
    let mut i = 0;
    while i < PolicyError::ALL.len() {
        if PolicyError::ALL[i].is_broken_by(policy) {
            return Some(PolicyError::ALL[i]);
        }
        i += 1;
    }
    None
}

/// For `#[wait_or_die]`: the message of the first rule `builder` breaks that is blamed on
/// `given[index]`, where `given` names the arguments written in the attribute. The expansion
/// panics with it in a `const` spanned at that argument, so the error points there.
pub const fn blame(builder: &PolicyBuilder, given: &[&str], index: usize) -> Option<&'static str> {
    let mut i = 0;
    while i < PolicyError::ALL.len() {
        let rule = PolicyError::ALL[i];
        if rule.is_broken_by(&builder.policy) && rule.blamed_on(given) == index {
            return Some(rule.message());
        }
        i += 1;
    }
    None
}

/// For `#[wait_or_die]`: the policy `builder` builds. A broken rule has been reported by
/// [`blame`] at one of the `given` arguments, which fails the build, so the value returned then
/// is never used; with no argument given (the defaults, which are valid) it stops compilation here.
pub const fn built(builder: &PolicyBuilder, given: &[&str]) -> Policy {
    match builder.build() {
        Ok(policy) => policy,
        Err(_) if !given.is_empty() => Policy::DEFAULT,
        Err(e) => panic!("{}", e.message()),
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    const LONG_FIRST_WAIT: PolicyBuilder = Policy::builder().initial_wait(Duration::from_secs(10));

    #[test]
    fn the_defaults_break_no_rule() {
        assert_eq!(first_broken(&Policy::DEFAULT), None);
        assert_eq!(built(&Policy::builder(), &[]), Policy::DEFAULT);
    }

    #[test]
    fn a_combination_is_blamed_on_the_setting_to_change_that_was_given() {
        let both = LONG_FIRST_WAIT.max_wait(Duration::from_secs(1));
        let message = PolicyError::MaxWaitBelowInitialWait.message();
        // Both given: `max_wait` is the one to change, wherever it was written.
        assert_eq!(blame(&both, &["initial_wait", "max_wait"], 0), None);
        assert_eq!(
            blame(&both, &["initial_wait", "max_wait"], 1),
            Some(message)
        );
        // Only `initial_wait` given: the default `max_wait` is below it.
        assert_eq!(
            blame(&LONG_FIRST_WAIT, &["max_retries", "initial_wait"], 1),
            Some(message)
        );
        assert_eq!(
            blame(&LONG_FIRST_WAIT, &["max_retries", "initial_wait"], 0),
            None
        );
    }

    #[test]
    fn every_broken_rule_is_blamed_on_its_own_argument() {
        let b = Policy::builder()
            .timeout(Duration::ZERO)
            .multiplier(0.5)
            .attempt_timeout(Duration::ZERO);
        let given = ["timeout", "multiplier", "attempt_timeout"];
        let blamed: Vec<_> = (0..3).map(|i| blame(&b, &given, i).unwrap()).collect();
        assert!(blamed[0].starts_with("timeout"), "{blamed:?}");
        assert!(blamed[1].starts_with("multiplier"), "{blamed:?}");
        assert!(blamed[2].starts_with("attempt_timeout"), "{blamed:?}");
        // The value built is never used: compilation fails at the blamed arguments.
        assert_eq!(built(&b, &given), Policy::DEFAULT);
    }

    #[test]
    fn every_rule_names_settings() {
        for rule in PolicyError::ALL {
            assert!(!rule.settings().is_empty(), "{rule:?}");
            assert!(!rule.message().is_empty(), "{rule:?}");
        }
    }
}
