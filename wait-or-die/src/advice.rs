//! Advice from a site's own failure record: which retry setting to change, to what, and the
//! numbers that say so. Observe (the [`distributions`](crate::stats::distribution)), advise
//! (this module), apply (the file [`to_toml`] writes, in the `config` feature's format).
//!
//! The rules are simple, deterministic and read only a site's distributions and the policy
//! its calls run by; they are listed, with their thresholds, in `advice/rules.rs`:
//!
//! | rule | needs | advises |
//! |---|---|---|
//! | enough data | [`MIN_SAMPLES`] calls that retried and ended | nothing below it: "not enough data" is an answer |
//! | never recovers | no recovery among them | `max_retries` → 0: retries only add load and delay |
//! | retries | [`MIN_SAMPLES`] recoveries | `max_retries` → the attempt by which [`KEEP_SHARE`] of recoveries came (one spare attempt left), when lower |
//! | timeout | [`MIN_SAMPLES`] recoveries | `timeout` → the time bucket above the one by which [`KEEP_SHARE`] of recoveries came, when lower (or when there is none) |
//! | last attempt | recoveries at the last attempt allowed, and calls that died exhausted | a note: more retries might save some, the data cannot say how many |
//! | budget | [`MIN_SAMPLES`] retries asked, [`BUDGET_ALARM_SHARE`] of them refused | a note: the dependency, not the policy, is the problem |
//!
//! Advice never goes below what the data covers: counts are bucketed ([`ATTEMPT_BOUNDS`],
//! [`ELAPSED_BOUNDS_MS`]) and every bound is read upward. It is drawn from everything the site
//! has counted since the process started.
//!
//! [`ATTEMPT_BOUNDS`]: crate::stats::distribution::ATTEMPT_BOUNDS
//! [`ELAPSED_BOUNDS_MS`]: crate::stats::distribution::ELAPSED_BOUNDS_MS
//!
//! ```
//! use std::time::Duration;
//! use wait_or_die::advice::{self, Change};
//! use wait_or_die::stats::distribution::{Distributions, Ended, ATTEMPT_BUCKETS};
//! use wait_or_die::{Policy, StopReason};
//!
//! // 1,000 calls, every one recovered at its second attempt, within 2 ms.
//! let mut recovered = Ended::EMPTY;
//! recovered.attempts.counts[1] = 1_000;
//! recovered.attempts.sum = 2_000;
//! recovered.elapsed.counts[1] = 1_000;
//! let distributions = Distributions::from_parts(recovered, |_: StopReason| Ended::EMPTY);
//! let policy = Policy::builder().max_retries(10).timeout(Duration::from_secs(30)).build()?;
//!
//! let advice = advice::advise("orders.place", &distributions, &policy);
//! assert_eq!(advice.changes().next(), Some(&Change::MaxRetries { from: 10, to: 2 }));
//! let file = advice::to_toml(&[advice]);
//! assert!(file.contains("[sites.\"orders.place\"]\nmax_retries = 2\n"));
//! # Ok::<(), wait_or_die::PolicyError>(())
//! ```

mod finding;
mod rules;
mod show;
mod toml;
mod worst_case;

pub use self::finding::{Advice, Change, Finding};
pub use self::rules::{BUDGET_ALARM_SHARE, KEEP_SHARE, MIN_SAMPLES};
pub use self::toml::to_toml;

use crate::policy::Policy;
use crate::stats::{Distributions, Site};

/// The advice for site `site` from its `distributions`, for calls run under `policy`.
///
/// See the [module's example](self).
pub fn advise(site: &str, distributions: &Distributions, policy: &Policy) -> Advice {
    let sample = rules::Sample::of(distributions);
    Advice {
        site: site.to_owned(),
        retried: sample.retried,
        recovered: sample.recovered,
        findings: rules::findings(&sample, distributions, policy),
    }
}

/// The advice for `site`, whose calls run under `base` (or, when `None`, the policy the site
/// was declared with) with the operator's override in force laid over it; `None` for a site
/// with neither policy.
///
/// ```
/// use wait_or_die::{advice, stats::Site, Policy};
///
/// static POLICY: Policy = Policy::builder().max_retries(4).build_const();
/// static FETCH: Site = Site::new("docs::advice").with_policy(&POLICY);
/// let advice = advice::for_site(&FETCH, None).unwrap();
/// assert_eq!(advice.retried, 0);
/// assert!(advice.changes().next().is_none());
/// ```
pub fn for_site(site: &Site, base: Option<&Policy>) -> Option<Advice> {
    let base = base.or(site.policy())?;
    let policy = crate::site::effective(base, site.control());
    Some(advise(site.name(), &site.snapshot().distributions, &policy))
}

#[cfg(test)]
mod tests;
