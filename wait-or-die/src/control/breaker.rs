//! Forcing a circuit breaker open or closed by name during an incident, and releasing it.
//!
//! A name is a shared breaker's (`breaker = "NAME"`) or a site's, for the site's own breaker.
//! A name no call has used yet makes the shared breaker now, so an operator can force the
//! breaker of a dependency known dead before the first call finds out (names are kept for the
//! life of the process, as the breakers are).

use std::time::Instant;

use crate::site;
use crate::strategy::breaker::Forced;

/// Forces the breaker called `name` open (every call refused at once) or closed (every call
/// runs, nothing counted), or with `None` releases it: closed, counting afresh.
///
/// ```
/// use wait_or_die::{control::{self, Forced}, retry_blocking, Policy, StopReason};
///
/// let policy = Policy::builder().shared_breaker("docs-forced").build()?;
/// control::force_breaker("docs-forced", Some(Forced::Open));
/// let err = retry_blocking(&policy, || Ok::<_, ()>(1)).call().unwrap_err();
/// assert_eq!((err.reason(), err.attempts()), (StopReason::BreakerOpen, 0));
/// control::force_breaker("docs-forced", None);
/// assert_eq!(retry_blocking(&policy, || Ok::<_, ()>(1)).call().unwrap(), 1);
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
pub fn force_breaker(name: &str, forced: Option<Forced>) {
    let known = crate::strategy::breaker::all()
        .into_iter()
        .find(|b| b.name() == name);
    let breaker = match known {
        Some(b) => b,
        None => {
            let name: &'static str = super::intern_name(name);
            site::breaker_named(name, true).expect("a shared breaker is made for any name")
        }
    };
    breaker.force(forced, Instant::now());
}
