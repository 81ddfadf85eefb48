//! A site's counters at one moment, and what operators derive from them.

use core::time::Duration;

use super::Distributions;
use crate::error::StopReason;

/// The counters of a [`Site`](super::Site) at one moment.
///
/// ```
/// let total_retries: u64 = wait_or_die::stats::sites().map(|s| s.snapshot().retries).sum();
/// # let _ = total_retries;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SiteStats {
    /// The site's name.
    pub name: &'static str,
    /// Calls made (a call is counted once it ends, or once its first attempt fails).
    pub calls: u64,
    /// Calls whose first attempt succeeded.
    pub ok: u64,
    /// Attempts run: `calls + retries`, less the calls a circuit breaker refused.
    pub attempts: u64,
    /// Attempts after the first, over all calls.
    pub retries: u64,
    /// Calls that needed at least one retry.
    pub retried_calls: u64,
    /// Calls that succeeded after at least one retry.
    pub recovered: u64,
    /// Calls that died with every retry used.
    pub died_exhausted: u64,
    /// Calls that died at (or before crossing) the total budget.
    pub died_deadline: u64,
    /// Calls that died on an error classified as permanent.
    pub died_permanent: u64,
    /// Calls whose last attempt was cancelled by `attempt_timeout`.
    pub died_attempt_timeout: u64,
    /// Calls whose retry the retry budget refused.
    pub died_budget: u64,
    /// Calls that did not retry because a call nested in their attempt had retried and given up.
    pub died_nested: u64,
    /// Calls the circuit breaker ended: refused before any attempt, or whose retry it refused.
    pub died_breaker_open: u64,
    /// Calls an open circuit breaker refused before their first attempt (no attempt ran);
    /// included in `calls` and `died_breaker_open`.
    pub refused: u64,
    /// Calls that died after at least one retry (any reason).
    pub retried_died: u64,
    /// Calls dropped before they ended (by the caller, or by a panicking attempt): neither a
    /// success nor a failure.
    pub cancelled: u64,
    /// Time really spent waiting between attempts, over all calls (a wait cut short by a
    /// dropped call counts as far as it got).
    pub waited: Duration,
    /// How the calls that retried or died ended: the attempt and time of each recovery, and
    /// of each death by reason (see [`distribution`](super::distribution)).
    pub distributions: Distributions,
    /// Hedges sent beside pending attempts (not in `attempts`: `attempts + hedges` is what the
    /// dependency was sent).
    pub hedges: u64,
    /// Calls that a hedge's success ended (the attempt it was sent beside was dropped).
    pub hedge_wins: u64,
}

impl SiteStats {
    /// Calls that died, for any reason.
    ///
    /// ```
    /// static SITE: wait_or_die::stats::Site = wait_or_die::stats::Site::new("x");
    /// assert_eq!(SITE.snapshot().died(), 0);
    /// ```
    pub fn died(&self) -> u64 {
        StopReason::all().map(|r| self.died_by(r)).sum()
    }

    /// Calls that died for `reason`.
    ///
    /// ```
    /// use wait_or_die::{stats::Site, StopReason};
    /// static SITE: Site = Site::new("z");
    /// assert_eq!(SITE.snapshot().died_by(StopReason::Deadline), 0);
    /// ```
    pub fn died_by(&self, reason: StopReason) -> u64 {
        match reason {
            StopReason::Exhausted => self.died_exhausted,
            StopReason::Deadline => self.died_deadline,
            StopReason::Permanent => self.died_permanent,
            StopReason::AttemptTimedOut => self.died_attempt_timeout,
            StopReason::BudgetExhausted => self.died_budget,
            StopReason::Nested => self.died_nested,
            StopReason::BreakerOpen => self.died_breaker_open,
        }
    }

    /// Of the calls that retried and ended, the share that recovered (`None` before any did).
    ///
    /// The KPI operators watch: a falling rate means retries no longer mask the fault. Calls
    /// still running and calls dropped by their caller do not count either way.
    ///
    /// ```
    /// static SITE: wait_or_die::stats::Site = wait_or_die::stats::Site::new("y");
    /// assert_eq!(SITE.snapshot().retry_success_rate(), None);
    /// ```
    pub fn retry_success_rate(&self) -> Option<f64> {
        let ended = self.recovered + self.retried_died;
        (ended > 0).then(|| self.recovered as f64 / ended as f64)
    }
}
