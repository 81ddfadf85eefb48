//! Per-call-site counters, kept with relaxed atomics and listed at run time.
//!
//! Every `#[wait_or_die]` function owns one `static` [`Site`], registered at link time, so
//! [`sites`] lists every annotated function in the binary, called or not. They count what
//! happened, never what was only decided: a retry is counted when its attempt starts, a wait by
//! the time really waited, and a call dropped before it ended (a caller's timeout, `select!`)
//! as cancelled. A successful call costs one increment, with no locked instruction and no cache
//! line shared between threads (see `counter.rs`); attempts are derived as `calls + retries`.

mod callers;
mod counter;
mod snapshot;

pub use snapshot::SiteStats;

use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{fence, AtomicPtr, AtomicU64, Ordering};
use core::time::Duration;

use crate::budget::RetryBudget;
use crate::control::SiteControl;
use crate::error::StopReason;
use crate::policy::Policy;
use crate::units;
use counter::ShardedCounters;

/// The per-call counters, as indices into [`Site::per_call`]: each call writes one of them once.
/// A call whose first attempt succeeded (ready at once, or pending first).
const FIRST_OK: usize = 0;
/// A call whose first attempt failed, or that was dropped before it ended.
const OTHER_CALL: usize = 1;

pub(crate) use callers::site_of as caller_site;

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
    /// The site's own retry budget (used unless its policy shares one by name).
    budget: RetryBudget,
    /// The operator's override in force (see `control`), null when there is none: the one
    /// load a call pays for run-time control. Only ever a leaked, never freed `SiteControl`.
    control: AtomicPtr<SiteControl>,
    /// The policy the site is declared with, when it is a `static` (overrides are checked against it).
    declared: Option<&'static Policy>,
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
            per_call: ShardedCounters::new(),
            retries: AtomicU64::new(0),
            retried_calls: AtomicU64::new(0),
            recovered: AtomicU64::new(0),
            died: [const { AtomicU64::new(0) }; StopReason::COUNT],
            retried_died: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            waited_nanos: AtomicU64::new(0),
            budget: RetryBudget::new(),
            control: AtomicPtr::new(core::ptr::null_mut()),
            declared: None,
        }
    }

    /// The site, declared with the `static` policy its calls use; `#[wait_or_die]` declares
    /// every function's literal policy this way.
    ///
    /// A declared policy lets [`control`](crate::control) check an override against the
    /// policy it changes (refusing, say, a `max_wait` below the declared `initial_wait`) and
    /// list the policy in force.
    ///
    /// ```
    /// use wait_or_die::{stats::Site, Policy};
    ///
    /// static POLICY: Policy = Policy::builder().max_retries(5).build_const();
    /// static FETCH: Site = Site::new("docs::declared").with_policy(&POLICY);
    /// assert_eq!(FETCH.policy(), Some(&POLICY));
    /// ```
    pub const fn with_policy(self, policy: &'static Policy) -> Site {
        Site {
            declared: Some(policy),
            ..self
        }
    }

    /// The policy the site was declared with ([`Site::with_policy`]), if any.
    ///
    /// ```
    /// static BARE: wait_or_die::stats::Site = wait_or_die::stats::Site::new("docs::bare");
    /// assert_eq!(BARE.policy(), None);
    /// ```
    pub fn policy(&self) -> Option<&'static Policy> {
        self.declared
    }

    /// The override in force, if any: one relaxed load when there is none.
    #[inline]
    pub(crate) fn control(&self) -> Option<&'static SiteControl> {
        let control = self.control.load(Relaxed);
        if control.is_null() {
            return None;
        }
        // Pairs with the release store of `set_control`: the control's fields are visible.
        fence(Ordering::Acquire);
        // SAFETY: a non-null pointer here was made from a `&'static SiteControl` by
        // `set_control`; controls are leaked, never freed, so it is valid for the whole program.
        Some(unsafe { &*control })
    }

    /// Puts `control` in force for calls that start from now on.
    pub(crate) fn set_control(&self, control: Option<&'static SiteControl>) {
        let ptr = control.map_or(core::ptr::null_mut(), |c| core::ptr::from_ref(c).cast_mut());
        self.control.store(ptr, Ordering::Release);
    }

    /// The site's name: `module::function@line` for an annotated function without `name = ...`.
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
        let first_ok = self.per_call.get(FIRST_OK);
        let calls = first_ok.wrapping_add(self.per_call.get(OTHER_CALL));
        let retries = self.retries.load(Relaxed);
        let died = |reason: StopReason| self.died[reason.index()].load(Relaxed);
        SiteStats {
            name: self.name,
            calls,
            ok: first_ok,
            attempts: calls.saturating_add(retries),
            retries,
            retried_calls: self.retried_calls.load(Relaxed),
            recovered: self.recovered.load(Relaxed),
            died_exhausted: died(StopReason::Exhausted),
            died_deadline: died(StopReason::Deadline),
            died_permanent: died(StopReason::Permanent),
            died_attempt_timeout: died(StopReason::AttemptTimedOut),
            died_budget: died(StopReason::BudgetExhausted),
            died_nested: died(StopReason::Nested),
            retried_died: self.retried_died.load(Relaxed),
            cancelled: self.cancelled.load(Relaxed),
            waited: Duration::from_nanos(self.waited_nanos.load(Relaxed)),
        }
    }

    /// Calls made so far: those whose first attempt succeeded, plus those whose first failed or that were dropped.
    pub(crate) fn calls(&self) -> u64 {
        self.per_call
            .get(FIRST_OK)
            .wrapping_add(self.per_call.get(OTHER_CALL))
    }

    /// The site's own retry budget.
    pub(crate) fn budget(&self) -> &RetryBudget {
        &self.budget
    }

    /// Retries the site's own budget could grant now, under the settings it was last asked
    /// with; `None` until a call of the site first asked it for a retry (or when the site's
    /// policy shares a budget by name, or has none).
    ///
    /// ```
    /// static QUIET: wait_or_die::stats::Site = wait_or_die::stats::Site::new("docs::quiet");
    /// assert_eq!(QUIET.budget_level(), None);
    /// ```
    pub fn budget_level(&self) -> Option<f64> {
        self.budget.level(std::time::Instant::now(), self.calls())
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

    pub(crate) fn record_recovered(&self) {
        self.recovered.fetch_add(1, Relaxed);
    }

    pub(crate) fn record_died(&self, reason: StopReason, retried: bool) {
        self.died[reason.index()].fetch_add(1, Relaxed);
        if retried {
            self.retried_died.fetch_add(1, Relaxed);
        }
    }

    /// A call dropped before it ended, after waiting `waited` in its last, unfinished wait.
    pub(crate) fn record_cancelled(&self, waited: Duration) {
        self.cancelled.fetch_add(1, Relaxed);
        self.record_waited(waited);
    }

    /// Time waited by a wait that ended without a retry.
    pub(crate) fn record_waited(&self, waited: Duration) {
        self.waited_nanos.fetch_add(units::nanos(waited), Relaxed);
    }
}

/// Every budget shared by name (`budget = "name"`) that a call has asked so far, with the
/// retries it could grant now.
///
/// ```
/// use wait_or_die::{retry_blocking, Policy};
///
/// let policy = Policy::builder().shared_budget("docs-terminal").max_retries(1).build()?;
/// let _ = retry_blocking(&policy, || Err::<(), _>("down")).call();
/// let levels = wait_or_die::stats::shared_budgets();
/// assert!(levels.iter().any(|&(name, level)| name == "docs-terminal" && level.is_some()));
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
pub fn shared_budgets() -> Vec<(&'static str, Option<f64>)> {
    crate::budget::shared_levels(std::time::Instant::now())
}

/// A registered site; what `#[wait_or_die]` submits for each annotated function.
#[doc(hidden)]
#[derive(Debug)]
pub struct SiteRef(pub &'static Site);

inventory::collect!(SiteRef);

/// Every registered site in the binary: each `#[wait_or_die]` function, each site registered
/// with [`register_site!`](crate::register_site), and, once it has called, each place in the
/// source that calls [`retry`](crate::retry) or [`retry_blocking`](crate::retry_blocking)
/// without `.site(..)` (named `file:line:column`, see [`retry`](crate::retry)).
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
    inventory::iter::<SiteRef>
        .into_iter()
        .map(|r| r.0)
        .chain(callers::all())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_derives_calls_attempts_and_rate() {
        let site = Site::new("t");
        site.record_first_ok();
        site.record_first_ok();
        site.record_other_call();
        site.record_retry(true, Duration::from_millis(5));
        site.record_retry(false, Duration::from_millis(7));
        site.record_recovered();
        site.record_other_call();
        site.record_retry(true, Duration::from_millis(1));
        site.record_died(StopReason::Permanent, true);
        site.record_other_call();
        site.record_cancelled(Duration::from_millis(3));
        let s = site.snapshot();
        assert_eq!((s.calls, s.ok), (5, 2));
        assert_eq!(s.attempts, 8);
        assert_eq!(s.retried_calls, 2);
        assert_eq!(s.waited, Duration::from_millis(16));
        assert_eq!((s.died(), s.died_permanent, s.retried_died), (1, 1, 1));
        assert_eq!(s.cancelled, 1);
        assert_eq!(s.retry_success_rate(), Some(0.5));
    }
}
