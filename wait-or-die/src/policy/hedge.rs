//! Hedging's settings: when a second attempt starts beside a first that is still pending, and
//! how many may run beside it; and the builder's setters for them.
//!
//! Data only: hedging runs in the async engine (`strategy/hedge.rs`, `retry/hedged.rs`), which
//! reads it from [`Policy::hedge`]. It is off unless asked for, and it is for idempotent calls
//! only: a hedge sends the same request again while the first may still be processed, so the
//! dependency may see it twice. Every hedge spends the retry budget, so in an outage hedging
//! adds no load beyond the budget's. Blocking calls never hedge (an attempt cannot run beside
//! a blocking one).
//!
//! | setting | allowed | why |
//! |---|---|---|
//! | `hedge_after`, a delay | above zero | a hedge sent at once doubles every call; that is a fan-out, not a hedge |
//! | `hedge_after`, a percentile | above 0, below 100 | p0 and p100 are no latency a site can learn from a few samples |
//! | `max_hedges` | at least 1 (default 1) | no hedging at all is leaving `hedge_after` out |

use core::time::Duration;

use crate::policy::{Policy, PolicyBuilder};

/// Hedges that may run beside the first attempt, by default.
pub(crate) const DEFAULT_MAX_HEDGES: u32 = 1;

/// When a hedge starts: a fixed delay after the attempt started, or the site's own recent
/// latency at a percentile.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{HedgeAfter, Policy};
///
/// let p = Policy::builder().hedge_after(Duration::from_millis(50)).build()?;
/// assert_eq!(p.hedge().unwrap().after(), HedgeAfter::Delay(Duration::from_millis(50)));
/// let p = Policy::builder().hedge_at_percentile(95.0).build()?;
/// assert_eq!(p.hedge().unwrap().after(), HedgeAfter::Percentile(95.0));
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum HedgeAfter {
    /// This long after the attempt started.
    Delay(Duration),
    /// The site's recent latency at this percentile (above 0, below 100), learnt from its
    /// successes; a site that has not seen enough of them yet does not hedge.
    Percentile(f64),
}

/// The settings of hedging: when a hedge starts, and how many may run beside the attempt.
///
/// For idempotent calls only: a hedge sends the request again while the first may still be
/// processed. How a hedged call runs ([`retry`](crate::retry)):
///
/// - An async attempt still pending the delay after it started gets a hedge, a second run of
///   the same operation beside it; another each delay after, up to `max_hedges`.
///   [`current`](crate::current) tells a hedge from the attempt
///   ([`CurrentCall::is_hedge`](crate::CurrentCall::is_hedge)).
/// - Every hedge spends the retry budget: a hedge the budget refuses (or that an open circuit
///   breaker would meet) is not sent, nor any later one for that attempt. In an outage
///   hedging adds no load beyond the budget's.
/// - The first success wins; the others are dropped, which cancels them.
/// - A failure while another of them is still in flight starts nothing: no retry and no wait
///   (as gRPC's A6: a failed hedge does not trigger a retry). Its error is kept as the last
///   error. An error classified as permanent ends the call at once and drops the rest.
/// - When the last of them in flight fails, that failure is handled as an unhedged
///   attempt's: a retry after its wait, as the policy, the deadline and the budget allow. A
///   retry is hedged again. `max_retries` counts attempts, not hedges.
/// - The total deadline and `attempt_timeout` bound the attempt and its hedges together.
///
/// A policy has none unless [`PolicyBuilder::hedge_after`] or
/// [`PolicyBuilder::hedge_at_percentile`] asked for it; read it with [`Policy::hedge`].
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::Policy;
///
/// let p = Policy::builder().hedge_after(Duration::from_millis(50)).max_hedges(2).build()?;
/// assert_eq!(p.hedge().unwrap().max_hedges(), 2);
/// assert_eq!(Policy::DEFAULT.hedge(), None);
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HedgePolicy {
    /// `None` only in a builder given `max_hedges` alone, which `build` refuses.
    pub(crate) after: Option<HedgeAfter>,
    pub(crate) max_hedges: u32,
}

impl HedgePolicy {
    /// When a hedge starts.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::{HedgeAfter, Policy};
    /// let p = Policy::builder().hedge_after(Duration::from_millis(20)).build()?;
    /// assert_eq!(p.hedge().unwrap().after(), HedgeAfter::Delay(Duration::from_millis(20)));
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn after(&self) -> HedgeAfter {
        match self.after {
            Some(after) => after,
            // A built policy always has one (`build` refuses `max_hedges` alone).
            None => HedgeAfter::Delay(Duration::MAX),
        }
    }

    /// The most hedges that may run beside one attempt (default 1).
    ///
    /// ```
    /// use wait_or_die::Policy;
    /// let p = Policy::builder().hedge_at_percentile(99.0).build()?;
    /// assert_eq!(p.hedge().unwrap().max_hedges(), 1);
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn max_hedges(&self) -> u32 {
        self.max_hedges
    }
}

impl Policy {
    /// Hedging, or `None` when the site does not hedge (the default).
    ///
    /// ```
    /// assert_eq!(wait_or_die::Policy::DEFAULT.hedge(), None);
    /// ```
    pub const fn hedge(&self) -> Option<HedgePolicy> {
        self.hedge
    }
}

impl PolicyBuilder {
    const fn with_hedge_after(mut self, after: HedgeAfter) -> Self {
        let max_hedges = match self.policy.hedge {
            Some(hedge) => hedge.max_hedges,
            None => DEFAULT_MAX_HEDGES,
        };
        self.policy.hedge = Some(HedgePolicy {
            after: Some(after),
            max_hedges,
        });
        self
    }

    /// Starts a hedge when an async attempt is still pending `delay` after it started (above
    /// zero). For idempotent calls only: see [`HedgePolicy`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::{Policy, PolicyError};
    /// let p = Policy::builder().hedge_after(Duration::from_millis(50)).build()?;
    /// assert!(p.hedge().is_some());
    /// let zero = Policy::builder().hedge_after(Duration::ZERO).build();
    /// assert_eq!(zero, Err(PolicyError::ZeroHedgeDelay));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub const fn hedge_after(self, delay: Duration) -> Self {
        self.with_hedge_after(HedgeAfter::Delay(delay))
    }

    /// Starts a hedge when an async attempt is still pending past the site's recent latency at
    /// `percentile` (above 0, below 100), learnt from the last 64 of its hedged calls that
    /// succeeded after being pending (from the attempt's first pending poll to the first
    /// success), and never under a millisecond; until it has seen 20 of them, the site does not
    /// hedge.
    ///
    /// ```
    /// use wait_or_die::{Policy, PolicyError};
    /// let p = Policy::builder().hedge_at_percentile(95.0).build()?;
    /// assert!(p.hedge().is_some());
    /// let p100 = Policy::builder().hedge_at_percentile(100.0).build();
    /// assert_eq!(p100, Err(PolicyError::InvalidHedgePercentile));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub const fn hedge_at_percentile(self, percentile: f64) -> Self {
        self.with_hedge_after(HedgeAfter::Percentile(percentile))
    }

    /// Sets the most hedges that may run beside one attempt (at least 1; default 1). Needs
    /// [`hedge_after`](Self::hedge_after) or [`hedge_at_percentile`](Self::hedge_at_percentile).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::{Policy, PolicyError};
    /// let p = Policy::builder().max_hedges(3).hedge_after(Duration::from_millis(5)).build()?;
    /// assert_eq!(p.hedge().unwrap().max_hedges(), 3);
    /// assert_eq!(Policy::builder().max_hedges(2).build(), Err(PolicyError::MaxHedgesWithoutDelay));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub const fn max_hedges(mut self, hedges: u32) -> Self {
        let after = match self.policy.hedge {
            Some(hedge) => hedge.after,
            None => None,
        };
        self.policy.hedge = Some(HedgePolicy {
            after,
            max_hedges: hedges,
        });
        self
    }

    /// Turns hedging off (the default).
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = wait_or_die::Policy::builder().hedge_after(Duration::from_millis(5)).no_hedging().build()?;
    /// assert!(p.hedge().is_none());
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn no_hedging(mut self) -> Self {
        self.policy.hedge = None;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyError;

    #[test]
    fn rejects_each_bad_hedge_and_checks_only_one_that_is_on() {
        let b = Policy::builder();
        for p in [0.0, -1.0, 100.0, 150.0, f64::NAN, f64::INFINITY] {
            let got = b.hedge_at_percentile(p).build();
            assert_eq!(got, Err(PolicyError::InvalidHedgePercentile), "{p}");
        }
        let delay = Duration::from_millis(50);
        let cases = [
            (b.hedge_after(Duration::ZERO), PolicyError::ZeroHedgeDelay),
            (
                b.hedge_after(delay).max_hedges(0),
                PolicyError::ZeroMaxHedges,
            ),
            (b.max_hedges(2), PolicyError::MaxHedgesWithoutDelay),
        ];
        for (builder, error) in cases {
            assert_eq!(builder.build(), Err(error));
            assert!(builder.no_hedging().build().is_ok(), "{error:?}");
        }
        assert!(b.hedge_at_percentile(0.1).build().is_ok());
        assert!(b
            .hedge_at_percentile(99.9)
            .max_hedges(u32::MAX)
            .build()
            .is_ok());
    }

    #[test]
    fn max_hedges_and_the_trigger_keep_each_other_in_either_order() {
        let delay = Duration::from_millis(50);
        let a = Policy::builder()
            .max_hedges(3)
            .hedge_after(delay)
            .build_const();
        let b = Policy::builder()
            .hedge_after(delay)
            .max_hedges(3)
            .build_const();
        assert_eq!(a.hedge(), b.hedge());
        let hedge = a.hedge().unwrap();
        assert_eq!(
            (hedge.after(), hedge.max_hedges()),
            (HedgeAfter::Delay(delay), 3)
        );
        let default = Policy::builder().hedge_after(delay).build_const();
        assert_eq!(default.hedge().unwrap().max_hedges(), DEFAULT_MAX_HEDGES);
    }
}
