//! Where a site's strategies meet: the one list that calls them, in a fixed order, at the
//! three points of a call where a strategy may act.
//!
//! | stage | when | strategies, in order |
//! |---|---|---|
//! | [`before_attempt_async`] / [`before_attempt_blocking`] | an attempt is about to run | chaos (feature `chaos`) |
//! | [`on_outcome`] | an attempt ended | (none yet) |
//! | [`before_retry`] | the retry loop decided to retry, after its wait was found to fit the deadline | retry budget |
//!
//! The pipeline is the only module that knows both the site and the strategies: it takes from
//! the [`Site`] the state each strategy owns (its counters, its budget, the operator's override)
//! and hands it in, so no strategy imports the site or another strategy (Polly v8's composite
//! pipeline; tower's budget that never names `Retry`). The retry loop (`retry/`) calls these
//! stages and knows no strategy. Each stage is `#[inline]` and a strategy that is off costs
//! its stage at most one load, so the success path pays nothing for the list.

use std::time::Instant;

use crate::error::StopReason;
use crate::policy::Policy;
use crate::site::Site;
use crate::strategy::budget;
#[cfg(feature = "chaos")]
use crate::strategy::chaos;

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

/// An attempt of `site` ended, successfully or not. No strategy acts here yet; a circuit
/// breaker records the outcome here.
#[inline]
pub(crate) fn on_outcome(site: &'static Site, ok: bool) {
    let _ = (site, ok);
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
    if let Some(options) = policy.budget() {
        if !budget::try_retry(&options, site.budget(), site.counters(), now) {
            return Err(StopReason::BudgetExhausted);
        }
    }
    Ok(())
}
