//! Per-call-site counters, kept with relaxed atomics, and the snapshots operators read.
//!
//! Every site (see [`Site`]) owns one set of counters (`Counters`). They count what happened, never what
//! was only decided: a retry is counted when its attempt starts, a wait by the time really
//! waited, and a call dropped before it ended (a caller's timeout, `select!`) as cancelled. A
//! successful call costs one increment, with no locked instruction and no cache line shared
//! between threads (see `counter.rs`); attempts are derived as `calls + retries`. A call that
//! recovers or dies also writes its attempt and time into the site's distributions
//! (`distribution.rs`), which a first attempt's success never touches.
//!
//! This module knows counters only: the site that owns them lives in `site/`, and is
//! re-exported here ([`Site`], [`sites`], [`shared_budgets`]) where users have always found it.

mod counter;
pub mod distribution;
mod snapshot;

pub use crate::site::{breakers, shared_budgets, sites, Site, SiteRef};
pub use crate::strategy::breaker::{BreakerState, BreakerStats};
pub use distribution::Distributions;
pub use snapshot::SiteStats;

use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;
use core::time::Duration;

use crate::error::StopReason;
use crate::units;
use counter::ShardedCounters;
use distribution::DistributionCounters;

/// The per-call counters, as indices into [`Counters::per_call`]: each call writes one of them once.
/// A call whose first attempt succeeded (ready at once, or pending first).
const FIRST_OK: usize = 0;
/// A call whose first attempt failed, or that was dropped before it ended.
const OTHER_CALL: usize = 1;

/// The counters of one site, written by its calls and read by [`Counters::snapshot`].
#[derive(Debug)]
pub(crate) struct Counters {
    /// Indexed by [`FIRST_OK`] and [`OTHER_CALL`].
    per_call: ShardedCounters<2>,
    retries: AtomicU64,
    retried_calls: AtomicU64,
    recovered: AtomicU64,
    died: [AtomicU64; StopReason::COUNT],
    /// Calls that died after at least one retry.
    retried_died: AtomicU64,
    cancelled: AtomicU64,
    waited_nanos: AtomicU64,
    /// Written only when a call recovers or dies, never by a first attempt's success.
    distributions: DistributionCounters,
    /// Calls an open circuit breaker refused before their first attempt.
    refused: AtomicU64,
    /// Hedges sent, and the calls a hedge's success ended.
    hedges: AtomicU64,
    hedge_wins: AtomicU64,
}

impl Counters {
    /// Every counter at zero.
    pub(crate) const fn new() -> Counters {
        Counters {
            per_call: ShardedCounters::new(),
            retries: AtomicU64::new(0),
            retried_calls: AtomicU64::new(0),
            recovered: AtomicU64::new(0),
            died: [const { AtomicU64::new(0) }; StopReason::COUNT],
            retried_died: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            waited_nanos: AtomicU64::new(0),
            distributions: DistributionCounters::new(),
            refused: AtomicU64::new(0),
            hedges: AtomicU64::new(0),
            hedge_wins: AtomicU64::new(0),
        }
    }

    /// A copy of the counters now, under `name` (each read on its own, so a busy site may be
    /// off by a call in flight).
    pub(crate) fn snapshot(&self, name: &'static str) -> SiteStats {
        let first_ok = self.per_call.get(FIRST_OK);
        let calls = first_ok.wrapping_add(self.per_call.get(OTHER_CALL));
        let retries = self.retries.load(Relaxed);
        let died = |reason: StopReason| self.died[reason.index()].load(Relaxed);
        SiteStats {
            name,
            calls,
            ok: first_ok,
            attempts: self.attempts(),
            retries,
            retried_calls: self.retried_calls.load(Relaxed),
            recovered: self.recovered.load(Relaxed),
            died_exhausted: died(StopReason::Exhausted),
            died_deadline: died(StopReason::Deadline),
            died_permanent: died(StopReason::Permanent),
            died_attempt_timeout: died(StopReason::AttemptTimedOut),
            died_budget: died(StopReason::BudgetExhausted),
            died_nested: died(StopReason::Nested),
            died_breaker_open: died(StopReason::BreakerOpen),
            refused: self.refused.load(Relaxed),
            retried_died: self.retried_died.load(Relaxed),
            cancelled: self.cancelled.load(Relaxed),
            waited: Duration::from_nanos(self.waited_nanos.load(Relaxed)),
            distributions: self.distributions.snapshot(),
            hedges: self.hedges.load(Relaxed),
            hedge_wins: self.hedge_wins.load(Relaxed),
        }
    }

    /// Calls made so far: those whose first attempt succeeded, plus those whose first failed or that were dropped.
    pub(crate) fn calls(&self) -> u64 {
        self.per_call
            .get(FIRST_OK)
            .wrapping_add(self.per_call.get(OTHER_CALL))
    }

    /// Attempts run so far: `calls + retries`, less the calls refused before their first.
    pub(crate) fn attempts(&self) -> u64 {
        let retries = self.retries.load(Relaxed);
        let refused = self.refused.load(Relaxed);
        self.calls().saturating_add(retries).saturating_sub(refused)
    }

    /// A call an open circuit breaker refused before its first attempt.
    pub(crate) fn record_refused(&self) {
        self.record_other_call();
        self.refused.fetch_add(1, Relaxed);
        // Not in the death distributions: the call ran no attempt and waited for nothing.
        self.died[StopReason::BreakerOpen.index()].fetch_add(1, Relaxed);
    }

    /// A call whose first attempt succeeded: the whole cost of the happy path, also when the
    /// attempt was pending first.
    #[inline]
    pub(crate) fn record_first_ok(&self) {
        self.per_call.increment(FIRST_OK);
    }

    /// A call whose first attempt failed, or that was dropped before it ended.
    pub(crate) fn record_other_call(&self) {
        self.per_call.increment(OTHER_CALL);
    }

    /// A retry whose attempt starts now, after `waited`.
    pub(crate) fn record_retry(&self, first_retry: bool, waited: Duration) {
        self.retries.fetch_add(1, Relaxed);
        if first_retry {
            self.retried_calls.fetch_add(1, Relaxed);
        }
        self.record_waited(waited);
    }

    /// A call that succeeded at `attempt` (> 1), `elapsed` after its budget started.
    pub(crate) fn record_recovered(&self, attempt: u32, elapsed: Duration) {
        self.recovered.fetch_add(1, Relaxed);
        self.distributions.record_recovered(attempt, elapsed);
    }

    /// A call that died for `reason` at `attempt`, `elapsed` after its budget started.
    pub(crate) fn record_died(&self, reason: StopReason, attempt: u32, elapsed: Duration) {
        self.died[reason.index()].fetch_add(1, Relaxed);
        if attempt > 1 {
            self.retried_died.fetch_add(1, Relaxed);
        }
        self.distributions.record_died(reason, attempt, elapsed);
    }

    /// A call dropped before it ended, after waiting `waited` in its last, unfinished wait.
    pub(crate) fn record_cancelled(&self, waited: Duration) {
        self.cancelled.fetch_add(1, Relaxed);
        self.record_waited(waited);
    }

    /// A hedge sent beside a pending attempt.
    pub(crate) fn record_hedge(&self) {
        self.hedges.fetch_add(1, Relaxed);
    }

    /// A call ended by a hedge's success.
    pub(crate) fn record_hedge_win(&self) {
        self.hedge_wins.fetch_add(1, Relaxed);
    }

    /// Time waited by a wait that ended without a retry.
    pub(crate) fn record_waited(&self, waited: Duration) {
        self.waited_nanos.fetch_add(units::nanos(waited), Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_derives_calls_attempts_and_rate() {
        let counters = Counters::new();
        counters.record_first_ok();
        counters.record_first_ok();
        counters.record_other_call();
        counters.record_retry(true, Duration::from_millis(5));
        counters.record_retry(false, Duration::from_millis(7));
        counters.record_recovered(3, Duration::from_millis(12));
        counters.record_other_call();
        counters.record_retry(true, Duration::from_millis(1));
        counters.record_died(StopReason::Permanent, 2, Duration::from_millis(1));
        counters.record_other_call();
        counters.record_cancelled(Duration::from_millis(3));
        let s = counters.snapshot("t");
        assert_eq!((s.calls, s.ok), (5, 2));
        assert_eq!(s.attempts, 8);
        assert_eq!(s.retried_calls, 2);
        assert_eq!(s.waited, Duration::from_millis(16));
        assert_eq!((s.died(), s.died_permanent, s.retried_died), (1, 1, 1));
        assert_eq!(s.cancelled, 1);
        assert_eq!(s.retry_success_rate(), Some(0.5));
        let d = s.distributions;
        assert_eq!((d.recovered().calls(), d.recovered().attempts.sum), (1, 3));
        assert_eq!(d.died(StopReason::Permanent).calls(), 1);
        assert_eq!(d.died(StopReason::Exhausted).calls(), 0);
    }

    #[test]
    fn a_first_attempt_success_writes_no_distribution() {
        let counters = Counters::new();
        counters.record_first_ok();
        let s = counters.snapshot("t");
        assert_eq!(s.ok, 1);
        assert_eq!(s.distributions, Distributions::EMPTY);
    }
}
