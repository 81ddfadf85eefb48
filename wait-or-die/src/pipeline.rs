//! Where a site's strategies meet: the one list that calls them, in a fixed order, at the
//! three points of a call where a strategy may act.
//!
//! | stage | when | strategies, in order |
//! |---|---|---|
//! | [`admit`] | a call's first attempt, or a retry after its wait, is about to start | circuit breaker |
//! | [`before_attempt_async`] / [`before_attempt_blocking`] | an attempt is about to run | chaos (feature `chaos`) |
//! | [`on_outcome`] / [`on_success`] / [`on_dropped`] | an attempt ended | circuit breaker |
//! | [`before_retry`] | the retry loop decided to retry, after its wait was found to fit the deadline | circuit breaker (refuses while open), then retry budget |
//! | [`hedge_delay`] / [`before_hedge`] / [`on_hedged_success`] | an async attempt of a hedged site is pending / its hedge is due / a hedged call succeeded | hedging's delay; circuit breaker (no hedge while open), then retry budget (a refused hedge is not sent); hedging's counters and latencies |
//!
//! The pipeline is the only module that knows both the site and the strategies: it takes from
//! the [`Site`] the state each strategy owns (its counters, its budget, the operator's override)
//! and hands it in, so no strategy imports the site or another strategy (Polly v8's composite
//! pipeline; tower's budget that never names `Retry`). The retry loop (`retry/`) calls these
//! stages and knows no strategy. Each stage is `#[inline]` and a strategy that is off costs
//! its stage at most one load, so the success path pays nothing for the list.

use core::time::Duration;
use std::time::Instant;

use crate::error::StopReason;
use crate::policy::{HedgePolicy, Policy};
use crate::site::Site;
use crate::strategy::breaker::{self, Admission, CircuitBreaker, Outcome};
use crate::strategy::budget;
#[cfg(feature = "chaos")]
use crate::strategy::chaos;
use crate::strategy::hedge;

/// An async attempt of `site` is about to run: waits out the latency chaos picked for it, and
/// gives the fault it must fail with, if any. Without chaos set, one relaxed load.
#[cfg(feature = "chaos")]
#[inline]
pub fn before_attempt_async(site: &'static Site) -> chaos::Entering {
    chaos::enter_async(chaos_of(site), site.name())
}

/// A blocking attempt of `site` is about to run: sleeps the latency chaos picked for it, and
/// gives the fault it must fail with, if any.
#[cfg(feature = "chaos")]
#[inline]
pub fn before_attempt_blocking(site: &'static Site) -> Option<crate::EngineError> {
    chaos::enter_blocking(chaos_of(site), site.name())
}

/// The chaos the operator set for `site`: the one relaxed load of its override pointer.
#[cfg(feature = "chaos")]
#[inline]
fn chaos_of(site: &Site) -> Option<chaos::Chaos> {
    site.control()?.settings.chaos
}

/// The breaker `policy` gives `site`: its own, or the one shared by name; with the attempts
/// run so far by the sites counted into it, read only when asked.
fn breaker_of(
    site: &'static Site,
    options: &crate::policy::BreakerPolicy,
) -> (&'static CircuitBreaker, impl FnOnce() -> u64) {
    let shared = options.shared_name.map(|name| site.shared_breaker(name));
    let counters = site.counters_static();
    let breaker = match shared {
        Some(shared) => shared.breaker(),
        None => site.breaker(),
    };
    let attempts = move || match shared {
        Some(shared) => shared.attempts(counters),
        None => counters.attempts(),
    };
    (breaker, attempts)
}

/// A call of `site` running by `policy` is about to start an attempt (its first, or a retry
/// after its wait): whether the circuit breaker lets it run. `now` is read only when the
/// breaker is not closed; without a breaker, nothing is read.
#[inline]
pub(crate) fn admit(
    site: &'static Site,
    policy: &Policy,
    now: impl FnOnce() -> Instant,
) -> Admission {
    match &policy.breaker {
        None => Admission::Run,
        Some(options) => breaker_of(site, options).0.admit(options, now),
    }
}

/// An attempt of `site` failed at `now`; `counted` when the site would retry that failure
/// (a permanent error or a "die" is not counted). `probe`: the attempt was a half-open probe.
#[inline]
pub(crate) fn on_outcome(
    site: &'static Site,
    policy: &Policy,
    counted: bool,
    probe: bool,
    now: Instant,
) {
    if let Some(options) = &policy.breaker {
        let (breaker, attempts) = breaker_of(site, options);
        if options.shared_name.is_none() && counted {
            breaker::register(breaker);
        }
        let outcome = if counted {
            Outcome::Failed
        } else {
            Outcome::Ignored
        };
        breaker.record(options, outcome, probe, now, attempts);
    }
}

/// A probe of `site` succeeded: its breaker closes. Only a probe reaches here, so a closed
/// breaker costs a success nothing.
#[cold]
pub(crate) fn on_success(site: &'static Site, policy: &Policy) {
    if let Some(options) = &policy.breaker {
        let (breaker, _) = breaker_of(site, options);
        breaker.record(options, Outcome::Succeeded, true, Instant::now(), || 0);
    }
}

/// A call of `site` was dropped while its attempt was a probe: the probe is given back.
#[cold]
pub(crate) fn on_dropped(site: &'static Site, policy: &Policy) {
    if let Some(options) = &policy.breaker {
        let (breaker, _) = breaker_of(site, options);
        breaker.record(options, Outcome::Ignored, true, Instant::now(), || 0);
    }
}

/// The call of `site`, running by `policy`, is about to retry at `now`: each strategy may
/// refuse the retry, ending the call with the reason it gives.
///
/// Asked last by the retry loop, so that only a retry that would otherwise happen is withdrawn
/// from the budget.
#[inline]
pub(crate) fn before_retry(
    site: &'static Site,
    policy: &Policy,
    now: Instant,
) -> Result<(), StopReason> {
    // An open breaker ends the call before the budget is asked: a refused retry spends none.
    if let Some(options) = &policy.breaker {
        if breaker_of(site, options).0.state() == breaker::BreakerState::Open {
            return Err(StopReason::BreakerOpen);
        }
    }
    if let Some(options) = policy.budget() {
        if !budget::try_retry(&options, site.budget(), site.counters(), now) {
            return Err(StopReason::BudgetExhausted);
        }
    }
    Ok(())
}

/// An async attempt of `site`, hedged by `options`, is pending: how long after it started its
/// next hedge is due; `None` when the site has not learnt the percentile yet (no hedge then).
#[inline]
pub(crate) fn hedge_delay(site: &'static Site, options: &HedgePolicy) -> Option<Duration> {
    hedge::delay(options, site.latencies())
}

/// A hedge of an attempt of `site` is due at `now`: whether it is sent. An open breaker or a
/// retry budget that refuses it keeps it unsent, so that hedging adds no load beyond the
/// budget; a hedge sent spends the budget as a retry does, and is counted.
pub(crate) fn before_hedge(site: &'static Site, policy: &Policy, now: Instant) -> bool {
    if let Some(options) = &policy.breaker {
        if breaker_of(site, options).0.state() == breaker::BreakerState::Open {
            return false;
        }
    }
    if let Some(options) = policy.budget() {
        if !budget::try_retry(&options, site.budget(), site.counters(), now) {
            return false;
        }
    }
    site.counters().record_hedge();
    true
}

/// A hedged call of `site` succeeded: counted as a hedge's win when `by_hedge`, and `latency`
/// (from its pending attempt's start, when it had one) learnt for hedging at a percentile.
pub(crate) fn on_hedged_success(
    site: &'static Site,
    options: &HedgePolicy,
    by_hedge: bool,
    latency: Option<Duration>,
) {
    if by_hedge {
        site.counters().record_hedge_win();
    }
    if let Some(latency) = latency {
        hedge::learn(options, site.latencies(), latency);
    }
}
