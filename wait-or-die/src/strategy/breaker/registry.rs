//! Every breaker a call has used, by name: those shared by name (`breaker = "NAME"`), made on
//! first use and kept for the life of the process like a `static`, and each site's own, listed
//! once it first counted a failure or was forced; for `stats`, the metrics and `control`.

use std::sync::{Mutex, PoisonError};

use super::CircuitBreaker;
use crate::stats::Counters;

/// A breaker shared by name between sites, with the sites counted into it.
#[derive(Debug)]
pub(crate) struct SharedBreaker {
    breaker: CircuitBreaker,
    members: Mutex<Members>,
}

#[derive(Debug, Default)]
struct Members {
    /// The counters of the sites that have counted into it, each once.
    sites: Vec<&'static Counters>,
    /// The members' attempts made before each joined: not counted.
    before_joining: u64,
}

impl SharedBreaker {
    /// The breaker itself.
    pub(crate) fn breaker(&'static self) -> &'static CircuitBreaker {
        &self.breaker
    }

    /// The attempts its members ran since they joined; the site counted by `site` joins now if
    /// it had not.
    pub(crate) fn attempts(&self, site: &'static Counters) -> u64 {
        let mut members = self.members.lock().unwrap_or_else(PoisonError::into_inner);
        if !members.sites.iter().any(|s| core::ptr::eq(*s, site)) {
            members.sites.push(site);
            members.before_joining += site.attempts();
        }
        let all: u64 = members.sites.iter().map(|s| s.attempts()).sum();
        all.saturating_sub(members.before_joining)
    }
}

/// Every breaker shared by name.
static SHARED: Mutex<Vec<&'static SharedBreaker>> = Mutex::new(Vec::new());
/// Every site's own breaker that has been listed.
static OWN: Mutex<Vec<&'static CircuitBreaker>> = Mutex::new(Vec::new());

/// The breaker shared under `name`, made now if no call has used it yet.
pub(crate) fn named(name: &'static str) -> &'static SharedBreaker {
    let mut all = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = all.iter().find(|b| b.breaker.name() == name) {
        return found;
    }
    // Leaked on purpose: one per name for the life of the process, like a `static`.
    let made: &'static SharedBreaker = Box::leak(Box::new(SharedBreaker {
        breaker: CircuitBreaker::new(name),
        members: Mutex::new(Members::default()),
    }));
    all.push(made);
    made
}

/// Lists a site's own breaker (once).
pub(crate) fn register(own: &'static CircuitBreaker) {
    if own.listed.swap(true, core::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let mut all = OWN.lock().unwrap_or_else(PoisonError::into_inner);
    if !all.iter().any(|b| core::ptr::eq(*b, own)) {
        all.push(own);
    }
}

/// Every breaker listed so far: the shared ones, then the sites' own.
pub(crate) fn all() -> Vec<&'static CircuitBreaker> {
    let shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    let own = OWN.lock().unwrap_or_else(PoisonError::into_inner);
    shared
        .iter()
        .map(|s| &s.breaker)
        .chain(own.iter().copied())
        .collect()
}
