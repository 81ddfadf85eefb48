//! The retry budget at run time: a sliding window of the calls made and the retries granted,
//! asked only when a call wants to retry, so that the success path writes nothing for it.
//!
//! A site's own budget reads the calls from the site's counters, which every call already
//! writes to a slot of its thread's own. A shared budget (`budget = "name"`) adds up the calls of
//! the sites that have asked it for a retry, from the moment each first did. The window is kept
//! as up to [`SAMPLES`] samples of both counts, taken at most once per tenth of the window when a
//! retry is asked for; calls made before the oldest sample in the window are not credited, so a
//! budget that has not been asked for a while starts from its floor alone (the safe side).
//!
//! A retry is granted when, within the window, `retries granted + 1 ≤ ratio × calls +
//! ⌈min_per_second × window⌉` (Finagle's and tower's rule; the floor rounded up to whole
//! retries, so that a window under one retry of the floor still grants one). When the clock
//! goes back (a sample lies more than a tenth of the window after `now`), the window starts
//! afresh instead of freezing.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::policy::BudgetPolicy;
use crate::stats::Counters;

/// Samples kept: one per tenth of the window, plus the newest.
const SAMPLES: usize = 11;

/// The calls made and retries granted so far, at one moment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    calls: u64,
    granted: u64,
}

/// The sliding window of one budget.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    window: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    /// Oldest first; `len` of them are in use.
    samples: [Option<Sample>; SAMPLES],
    /// Retries granted so far.
    granted: u64,
    /// The settings of the last ask, for reading the level between asks.
    last_policy: Option<BudgetPolicy>,
}

impl RetryBudget {
    pub(crate) const fn new() -> Self {
        RetryBudget {
            window: Mutex::new(Window {
                samples: [None; SAMPLES],
                granted: 0,
                last_policy: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Grants one retry at `now`, when `calls` have been made so far, if `policy` allows it.
    pub(crate) fn try_withdraw(&self, policy: &BudgetPolicy, now: Instant, calls: u64) -> bool {
        let mut window = self.lock();
        window.last_policy = Some(*policy);
        let granted = window.balance(policy, now, calls) >= 1.0;
        if granted {
            window.granted += 1;
        }
        granted
    }

    /// Retries the budget could grant at `now` with `calls` made so far, under the settings it
    /// was last asked with; `None` before its first ask.
    pub(crate) fn level(&self, now: Instant, calls: u64) -> Option<f64> {
        let mut window = self.lock();
        let policy = window.last_policy?;
        Some(window.balance(&policy, now, calls).max(0.0))
    }
}

impl Window {
    /// Retries the budget could grant at `now`, with `calls` made so far.
    fn balance(&mut self, policy: &BudgetPolicy, now: Instant, calls: u64) -> f64 {
        self.slide(policy, now, calls);
        let oldest = self.samples[0].expect("slide keeps a sample");
        let deposits = calls.saturating_sub(oldest.calls) as f64;
        let withdrawn = self.granted.saturating_sub(oldest.granted) as f64;
        policy.ratio() * deposits + floor(policy) - withdrawn
    }

    /// Forgets samples older than the window, and every sample if one lies more than a tenth of
    /// the window after `now` (the clock went back, as every new runtime on tokio's paused clock
    /// does: kept, they would stop the window from sliding until the clock caught up), and takes
    /// a new one if the newest is a tenth of the window old; keeps at least one.
    ///
    /// Threads that read the clock before taking the lock hand in instants a little out of
    /// order: a sample ahead by less than a tenth of the window only delays the next one.
    fn slide(&mut self, policy: &BudgetPolicy, now: Instant, calls: u64) {
        let span = policy.window();
        let interval = span / (SAMPLES as u32 - 1);
        let ahead = |s: &Sample| s.at.saturating_duration_since(now) > interval;
        if self.samples.iter().flatten().any(ahead) {
            self.samples = [None; SAMPLES];
        }
        let expired =
            |s: &Option<Sample>| s.is_some_and(|s| now.saturating_duration_since(s.at) > span);
        let gone = self.samples.iter().take_while(|s| expired(s)).count();
        self.samples.rotate_left(gone);
        self.samples[SAMPLES - gone..].fill(None);
        let newest = self.samples.iter().rposition(Option::is_some);
        let due = newest.is_none_or(|i| {
            let at = self.samples[i].expect("a taken sample").at;
            now.saturating_duration_since(at) >= interval
        });
        if due {
            let sample = Some(Sample {
                at: now,
                calls,
                granted: self.granted,
            });
            match newest {
                Some(i) if i + 1 < SAMPLES => self.samples[i + 1] = sample,
                Some(_) => {
                    self.samples.rotate_left(1);
                    self.samples[SAMPLES - 1] = sample;
                }
                None => self.samples[0] = sample,
            }
        }
    }
}

/// The retries the floor grants per window: `min_per_second × window`, rounded up to whole
/// retries, so that a caller under the floor's rate keeps its retries even when the window is
/// shorter than one retry of the floor (under 100 ms at 10 a second); the floor then grants one
/// retry per window. Counted in nanoseconds: exact, and no overflow even for `Duration::MAX`.
fn floor(policy: &BudgetPolicy) -> f64 {
    const NANOS_PER_SECOND: u128 = 1_000_000_000;
    let per_window = u128::from(policy.min_per_second()) * policy.window().as_nanos();
    per_window.div_ceil(NANOS_PER_SECOND) as f64
}

/// A budget shared by name between sites.
#[derive(Debug)]
struct SharedBudget {
    name: &'static str,
    members: Mutex<Members>,
    budget: RetryBudget,
}

#[derive(Debug, Default)]
struct Members {
    /// The counters of the sites that have asked, each once.
    sites: Vec<&'static Counters>,
    /// The members' calls made before each joined: not credited.
    before_joining: u64,
}

/// Every shared budget asked for so far, by name.
static SHARED: Mutex<Vec<&'static SharedBudget>> = Mutex::new(Vec::new());

fn shared(name: &'static str) -> &'static SharedBudget {
    let mut all = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = all.iter().find(|b| b.name == name) {
        return found;
    }
    // Leaked on purpose: one per name for the life of the process, like a `static`.
    let created: &'static SharedBudget = Box::leak(Box::new(SharedBudget {
        name,
        members: Mutex::new(Members::default()),
        budget: RetryBudget::new(),
    }));
    all.push(created);
    created
}

impl SharedBudget {
    /// The calls its members made since they joined.
    fn member_calls(&self) -> u64 {
        let members = self.members.lock().unwrap_or_else(PoisonError::into_inner);
        let all: u64 = members.sites.iter().map(|s| s.calls()).sum();
        all.saturating_sub(members.before_joining)
    }

    /// The calls its members made since they joined; the site counted by `site` joins now if it
    /// had not.
    fn calls(&self, site: &'static Counters) -> u64 {
        let mut members = self.members.lock().unwrap_or_else(PoisonError::into_inner);
        if !members.sites.iter().any(|s| core::ptr::eq(*s, site)) {
            members.sites.push(site);
            members.before_joining += site.calls();
        }
        drop(members);
        self.member_calls()
    }
}

/// Every shared budget asked so far, with the retries it could grant at `now` (`None` before
/// its first ask).
pub(crate) fn shared_levels(now: Instant) -> Vec<(&'static str, Option<f64>)> {
    let all: Vec<&'static SharedBudget> = SHARED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    all.into_iter()
        .map(|b| {
            let calls = b.member_calls();
            (b.name, b.budget.level(now, calls))
        })
        .collect()
}

/// Grants one retry at `now` if the budget allows it: the site's `own` budget, or the shared
/// one `policy` names. `site` is the asking site's counters (its calls credit the budget).
///
/// The budget is handed its state: it never names the site, the retry loop or the pipeline
/// that asks it (tower's `Budget` never names `Retry`).
///
/// Testing mode ([`crate::testing`]) grants every retry without counting it: its calls run to
/// their cap whatever other calls of the process did.
pub(crate) fn try_retry(
    policy: &BudgetPolicy,
    own: &RetryBudget,
    site: &'static Counters,
    now: Instant,
) -> bool {
    if crate::testing::max_attempts().is_some() {
        return true;
    }
    match policy.shared_name() {
        None => own.try_withdraw(policy, now, site.calls()),
        Some(name) => {
            let shared = shared(name);
            shared.budget.try_withdraw(policy, now, shared.calls(site))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    fn policy(ratio: f64, per_second: u32, window_s: u64) -> BudgetPolicy {
        crate::Policy::builder()
            .budget_ratio(ratio)
            .budget_min_per_second(per_second)
            .budget_window(Duration::from_secs(window_s))
            .build()
            .unwrap()
            .budget()
            .unwrap()
    }

    #[test]
    fn the_floor_alone_grants_min_per_second_times_the_window() {
        let budget = RetryBudget::new();
        let p = policy(0.2, 10, 10);
        let t0 = Instant::now();
        let granted = (0..1000).filter(|_| budget.try_withdraw(&p, t0, 0)).count();
        assert_eq!(granted, 100);
    }

    #[test]
    fn calls_add_their_ratio_within_the_window_and_expire_after_it() {
        let budget = RetryBudget::new();
        let p = policy(0.2, 0, 10);
        let t0 = Instant::now();
        // The first ask only takes the window's first sample: nothing credited yet.
        assert!(!budget.try_withdraw(&p, t0, 0));
        // 1000 calls later: 200 retries.
        let t1 = t0 + Duration::from_secs(1);
        let granted = (0..1000)
            .filter(|_| budget.try_withdraw(&p, t1, 1000))
            .count();
        assert_eq!(granted, 200);
        assert_eq!(budget.level(t1, 1000), Some(0.0));
        // Once the window has slid past those calls, nothing is left.
        let t2 = t0 + Duration::from_secs(12);
        assert!(!budget.try_withdraw(&p, t2, 1000));
        assert_eq!(RetryBudget::new().level(t2, 0), None, "never asked");
    }

    #[test]
    fn retries_granted_long_ago_no_longer_count() {
        let budget = RetryBudget::new();
        let p = policy(0.0, 1, 10);
        let t0 = Instant::now();
        assert_eq!(
            (0..20).filter(|_| budget.try_withdraw(&p, t0, 0)).count(),
            10
        );
        let later = t0 + Duration::from_secs(11);
        assert_eq!(
            (0..20)
                .filter(|_| budget.try_withdraw(&p, later, 0))
                .count(),
            10
        );
    }

    #[test]
    fn the_floor_is_rounded_up_to_whole_retries() {
        let window = |millis| {
            crate::Policy::builder()
                .budget_window(Duration::from_millis(millis))
                .build()
                .unwrap()
                .budget()
                .unwrap()
        };
        // 10 a second: 0.01, 0.5, 0.99, 1, 1.5 and 100 retries, rounded up.
        for (millis, retries) in [(1, 1.0), (50, 1.0), (99, 1.0), (100, 1.0), (150, 2.0)] {
            assert_eq!(floor(&window(millis)), retries, "{millis} ms");
        }
        assert_eq!(floor(&window(10_000)), 100.0);
        // 30 × 0.1 s is 3 retries, not the 3.0000000000000004 of floating point.
        let tenth = crate::Policy::builder()
            .budget_min_per_second(30)
            .budget_window(Duration::from_millis(100))
            .build()
            .unwrap()
            .budget()
            .unwrap();
        assert_eq!(floor(&tenth), 3.0);
        let widest = crate::Policy::builder()
            .budget_min_per_second(u32::MAX)
            .budget_window(Duration::MAX)
            .build()
            .unwrap()
            .budget()
            .unwrap();
        assert!(floor(&widest) > 7e28);
    }

    #[test]
    fn samples_from_the_future_are_dropped() {
        let budget = RetryBudget::new();
        let p = policy(0.0, 1, 10);
        let later = Instant::now() + Duration::from_secs(3_600);
        let granted = |at| (0..20).filter(|_| budget.try_withdraw(&p, at, 0)).count();
        assert_eq!(granted(later), 10);
        // The clock goes back an hour: the window starts afresh instead of freezing.
        let now = later - Duration::from_secs(3_600);
        assert_eq!(granted(now), 10);
        assert_eq!(granted(now + Duration::from_secs(11)), 10);
    }

    #[test]
    fn instants_a_little_out_of_order_keep_the_window() {
        let budget = RetryBudget::new();
        let p = policy(0.0, 1, 10);
        let t0 = Instant::now() + Duration::from_secs(1);
        let granted = |at| (0..20).filter(|_| budget.try_withdraw(&p, at, 0)).count();
        assert_eq!(granted(t0), 10);
        // Another thread read the clock just before the sample was taken: nothing more to grant.
        assert_eq!(granted(t0 - Duration::from_millis(1)), 0);
        assert_eq!(granted(t0 + Duration::from_secs(5)), 0);
    }

    #[test]
    fn a_clock_that_goes_back_does_not_panic() {
        let budget = RetryBudget::new();
        let p = policy(0.2, 10, 10);
        let t0 = Instant::now() + Duration::from_secs(100);
        assert!(budget.try_withdraw(&p, t0, 5));
        assert!(budget.try_withdraw(&p, t0 - Duration::from_secs(50), 5));
    }
}
