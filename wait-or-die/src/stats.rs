//! Per-call-site counters, kept with relaxed atomics and listed at run time.
//!
//! Every `#[wait_or_die]` function owns one `static` [`Site`], registered at link time, so
//! [`sites`] lists every annotated function in the binary, called or not. The happy path costs
//! one increment of `calls`, with no locked instruction (see `counter.rs`); attempts are derived
//! as `calls + retries`.

mod counter;

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use core::time::Duration;

use crate::error::StopReason;
use counter::ShardedCounter;

/// The counters of one call site (one annotated function, or one place that calls [`crate::retry`]).
///
/// ```
/// use wait_or_die::{retry_blocking, stats::Site, Policy};
///
/// static FETCH: Site = Site::new("docs::fetch");
/// let policy = Policy::builder().max_retries(1).initial_wait(std::time::Duration::ZERO).build()?;
/// let mut failures = 1;
/// let got = retry_blocking(&policy, || if failures > 0 { failures -= 1; Err("flaky") } else { Ok(42) })
///     .site(&FETCH)
///     .call();
/// assert_eq!(got.unwrap(), 42);
/// let stats = FETCH.snapshot();
/// assert_eq!((stats.calls, stats.attempts, stats.recovered), (1, 2, 1));
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug)]
pub struct Site {
    name: &'static str,
    calls: ShardedCounter,
    retries: AtomicU64,
    retried_calls: AtomicU64,
    recovered: AtomicU64,
    died: [AtomicU64; 4],
    waited_nanos: AtomicU64,
}

impl Site {
    /// A site with all counters at zero.
    ///
    /// ```
    /// static SITE: wait_or_die::stats::Site = wait_or_die::stats::Site::new("orders::send");
    /// assert_eq!(SITE.name(), "orders::send");
    /// ```
    pub const fn new(name: &'static str) -> Site {
        Site {
            name,
            calls: ShardedCounter::new(),
            retries: AtomicU64::new(0),
            retried_calls: AtomicU64::new(0),
            recovered: AtomicU64::new(0),
            died: [
                AtomicU64::new(0),
                AtomicU64::new(0),
                AtomicU64::new(0),
                AtomicU64::new(0),
            ],
            waited_nanos: AtomicU64::new(0),
        }
    }

    /// The site's name: `module::function` for an annotated function.
    ///
    /// ```
    /// static SITE: wait_or_die::stats::Site = wait_or_die::stats::Site::new("a::b");
    /// assert_eq!(SITE.name(), "a::b");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A copy of the counters now (each read on its own, so a busy site may be off by a call in flight).
    ///
    /// ```
    /// static SITE: wait_or_die::stats::Site = wait_or_die::stats::Site::new("idle");
    /// assert_eq!(SITE.snapshot().calls, 0);
    /// ```
    pub fn snapshot(&self) -> SiteStats {
        let calls = self.calls.get();
        let retries = self.retries.load(Relaxed);
        SiteStats {
            name: self.name,
            calls,
            attempts: calls.saturating_add(retries),
            retries,
            retried_calls: self.retried_calls.load(Relaxed),
            recovered: self.recovered.load(Relaxed),
            died_exhausted: self.died[reason_index(StopReason::Exhausted)].load(Relaxed),
            died_deadline: self.died[reason_index(StopReason::Deadline)].load(Relaxed),
            died_permanent: self.died[reason_index(StopReason::Permanent)].load(Relaxed),
            died_attempt_timeout: self.died[reason_index(StopReason::AttemptTimedOut)]
                .load(Relaxed),
            waited: Duration::from_nanos(self.waited_nanos.load(Relaxed)),
        }
    }

    #[inline]
    pub(crate) fn record_call(&self) {
        self.calls.increment();
    }

    pub(crate) fn record_retry(&self, first_retry: bool, wait: Duration) {
        self.retries.fetch_add(1, Relaxed);
        if first_retry {
            self.retried_calls.fetch_add(1, Relaxed);
        }
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.waited_nanos.fetch_add(nanos, Relaxed);
    }

    pub(crate) fn record_recovered(&self) {
        self.recovered.fetch_add(1, Relaxed);
    }

    pub(crate) fn record_died(&self, reason: StopReason) {
        self.died[reason_index(reason)].fetch_add(1, Relaxed);
    }
}

const fn reason_index(reason: StopReason) -> usize {
    match reason {
        StopReason::Exhausted => 0,
        StopReason::Deadline => 1,
        StopReason::Permanent => 2,
        StopReason::AttemptTimedOut => 3,
    }
}

/// The counters of a [`Site`] at one moment.
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
    /// Calls started.
    pub calls: u64,
    /// Attempts run: `calls + retries`.
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
    /// Time spent waiting between attempts, over all calls.
    pub waited: Duration,
}

impl SiteStats {
    /// Calls that died, for any reason.
    ///
    /// ```
    /// static SITE: wait_or_die::stats::Site = wait_or_die::stats::Site::new("x");
    /// assert_eq!(SITE.snapshot().died(), 0);
    /// ```
    pub fn died(&self) -> u64 {
        self.died_exhausted + self.died_deadline + self.died_permanent + self.died_attempt_timeout
    }

    /// Of the calls that needed a retry, the share that recovered (`None` before any retried).
    ///
    /// The KPI operators watch: a falling rate means retries no longer mask the fault.
    ///
    /// ```
    /// static SITE: wait_or_die::stats::Site = wait_or_die::stats::Site::new("y");
    /// assert_eq!(SITE.snapshot().retry_success_rate(), None);
    /// ```
    pub fn retry_success_rate(&self) -> Option<f64> {
        (self.retried_calls > 0).then(|| self.recovered as f64 / self.retried_calls as f64)
    }
}

/// A registered site; what `#[wait_or_die]` submits for each annotated function.
#[doc(hidden)]
#[derive(Debug)]
pub struct SiteRef(pub &'static Site);

inventory::collect!(SiteRef);

/// Every registered site in the binary: each `#[wait_or_die]` function and each site registered
/// with [`register_site!`](crate::register_site).
///
/// ```
/// use wait_or_die::stats;
///
/// for site in stats::sites() {
///     let s = site.snapshot();
///     println!("{:40} calls={} retries={} recovered={}", s.name, s.calls, s.retries, s.recovered);
/// }
/// ```
pub fn sites() -> impl Iterator<Item = &'static Site> {
    inventory::iter::<SiteRef>.into_iter().map(|r| r.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_derives_attempts_and_rate() {
        let site = Site::new("t");
        site.record_call();
        site.record_call();
        site.record_retry(true, Duration::from_millis(5));
        site.record_retry(false, Duration::from_millis(7));
        site.record_recovered();
        site.record_died(StopReason::Permanent);
        let s = site.snapshot();
        assert_eq!(s.attempts, 4);
        assert_eq!(s.retried_calls, 1);
        assert_eq!(s.waited, Duration::from_millis(12));
        assert_eq!(s.died(), 1);
        assert_eq!(s.died_permanent, 1);
        assert_eq!(s.retry_success_rate(), Some(1.0));
    }
}
