//! A call site: its name, the policy it is declared with, its counters, the state of each of
//! its strategies, and the one pointer through which operators publish an override.
//!
//! Every `#[wait_or_die]` function owns one `static` [`Site`], registered at link time, so
//! [`sites`] lists every annotated function in the binary, called or not. The site is the only
//! thing a call shares with the other calls of its place; the counters it holds are `stats`'s,
//! the retry budget it holds is the budget strategy's (`strategy/budget.rs`), the override is
//! `control`'s. None of those modules imports this one: the site is handed to the pipeline
//! (`pipeline.rs`), which hands each strategy the part it owns.

mod callers;
mod live;
#[cfg(feature = "tower")]
mod named;

pub(crate) use callers::site_of as caller_site;
pub(crate) use live::{effective, starts_under, SiteControl};
#[cfg(feature = "tower")]
pub(crate) use named::site_named;

use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{fence, AtomicPtr, Ordering};

use crate::policy::Policy;
use crate::stats::{Counters, SiteStats};
use crate::strategy::breaker::{self, CircuitBreaker, SharedBreaker};
use crate::strategy::budget::{self, RetryBudget};
use crate::strategy::hedge::LatencyRing;

/// One call site (one annotated function, or one place that calls [`crate::retry`]): its name,
/// declared policy, counters, retry budget, and the operator's override in force.
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
    counters: Counters,
    // The state of each strategy that keeps one per site (see `pipeline.rs`), one field each.
    /// The site's own retry budget (used unless its policy shares one by name).
    budget: RetryBudget,
    /// The site's own circuit breaker (used when its policy asks for one not shared by name).
    breaker: CircuitBreaker,
    /// The breaker shared by name that the site last used: found by name once, not per attempt.
    shared_breaker: AtomicPtr<SharedBreaker>,
    /// The recent latencies that hedging at a percentile reads.
    latencies: LatencyRing,
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
            counters: Counters::new(),
            budget: RetryBudget::new(),
            breaker: CircuitBreaker::new(name),
            shared_breaker: AtomicPtr::new(core::ptr::null_mut()),
            latencies: LatencyRing::new(),
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
        self.counters.snapshot(self.name)
    }

    /// The site's counters, which its calls write.
    #[inline]
    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The site's counters, for as long as the site lives.
    pub(crate) fn counters_static(&'static self) -> &'static Counters {
        &self.counters
    }

    /// The site's own retry budget.
    pub(crate) fn budget(&self) -> &RetryBudget {
        &self.budget
    }

    /// The site's own circuit breaker.
    pub(crate) fn breaker(&'static self) -> &'static CircuitBreaker {
        &self.breaker
    }

    /// The site's recent latencies, for hedging at a percentile.
    pub(crate) fn latencies(&self) -> &LatencyRing {
        &self.latencies
    }

    /// The breaker shared under `name`: the one the site used last if it has that name, else
    /// found in the registry (made if new) and remembered.
    pub(crate) fn shared_breaker(&self, name: &'static str) -> &'static SharedBreaker {
        let cached = self.shared_breaker.load(Ordering::Acquire);
        // SAFETY: only ever a pointer from `breaker::named`, which leaks, never frees.
        if let Some(found) = unsafe { cached.as_ref() } {
            if found.breaker().name() == name {
                return found;
            }
        }
        let found = breaker::named(name);
        let ptr = core::ptr::from_ref(found).cast_mut();
        self.shared_breaker.store(ptr, Ordering::Release);
        found
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
        self.budget
            .level(std::time::Instant::now(), self.counters.calls())
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
    budget::shared_levels(std::time::Instant::now())
}

/// Every circuit breaker in use: each shared by name that a call or an operator has used, and
/// each site's own once it counted a failure or was forced.
///
/// ```
/// use wait_or_die::{retry_blocking, Policy};
///
/// let policy = Policy::builder().shared_breaker("docs-dep").max_retries(0).build()?;
/// let _ = retry_blocking(&policy, || Err::<(), _>("down")).call();
/// let found = wait_or_die::stats::breakers().into_iter().find(|b| b.name == "docs-dep").unwrap();
/// assert_eq!(found.state, wait_or_die::stats::BreakerState::Closed);
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
pub fn breakers() -> Vec<breaker::BreakerStats> {
    breaker::all().into_iter().map(|b| b.snapshot()).collect()
}

/// The breaker operators name `name`: the one shared under it, else the own breaker of the
/// site called `name` (listed from now on); `None` when neither exists.
pub(crate) fn breaker_named(
    name: &'static str,
    shared_ok: bool,
) -> Option<&'static CircuitBreaker> {
    if let Some(site) = sites().find(|s| s.name() == name) {
        let own = site.breaker();
        breaker::register(own);
        return Some(own);
    }
    shared_ok.then(|| breaker::named(name).breaker())
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
    let sites = inventory::iter::<SiteRef>
        .into_iter()
        .map(|r| r.0)
        .chain(callers::all());
    #[cfg(feature = "tower")]
    let sites = sites.chain(named::all());
    sites
}
