//! The override in force for a site, as a call reads it when it starts: the settings and the
//! policies they make, cached so that a call borrows its policy without allocating.
//!
//! A call holds its policy by reference for its whole life, and an override may change while
//! the call runs, so the policy an override makes must outlive every call: each is leaked.
//! That is bounded: a [`SiteControl`] is made once per distinct set of settings (identical
//! settings share one, whichever sites and however often they are put back), and it caches the
//! policies it makes from at most [`MERGED_SLOTS`] distinct base policies (a `#[wait_or_die]`
//! function has one; a site whose calls pass ever-new policies at run time has more). Past
//! that, a call with yet another base policy runs without the override, and a WARN says so once.

use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use crate::control::settings::Override;
use crate::events::TARGET;
use crate::policy::Policy;
use crate::stats::Site;

/// Base policies one set of settings caches the result for.
pub(crate) const MERGED_SLOTS: usize = 8;

/// One set of settings in force, shared by every site it is in force for.
#[derive(Debug)]
pub(crate) struct SiteControl {
    pub(crate) settings: Override,
    /// Filled in order; each only ever a leaked, never freed [`Merged`].
    merged: [AtomicPtr<Merged>; MERGED_SLOTS],
    warned_full: AtomicBool,
}

/// A base policy and the policy the settings make of it.
#[derive(Debug)]
struct Merged {
    base: Policy,
    policy: Policy,
}

impl SiteControl {
    /// Settings to put in force, leaked: see the module's docs for the bound.
    pub(crate) fn leak(settings: Override) -> &'static SiteControl {
        Box::leak(Box::new(SiteControl {
            settings,
            merged: [const { AtomicPtr::new(core::ptr::null_mut()) }; MERGED_SLOTS],
            warned_full: AtomicBool::new(false),
        }))
    }

    /// The policy a call of `site` that starts with `base` runs under.
    #[cold]
    #[inline(never)]
    pub(crate) fn policy_for<'p>(&'static self, site: &Site, base: &'p Policy) -> &'p Policy {
        for slot in &self.merged {
            let mut found = slot.load(Ordering::Acquire);
            if found.is_null() {
                let made = Box::into_raw(Box::new(Merged {
                    base: *base,
                    policy: self.settings.apply_leniently(base),
                }));
                found = match slot.compare_exchange(
                    core::ptr::null_mut(),
                    made,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => made,
                    Err(other) => {
                        // SAFETY: `made` was never shared; another thread filled the slot first.
                        drop(unsafe { Box::from_raw(made) });
                        other
                    }
                };
            }
            // SAFETY: a non-null slot holds a `Merged` leaked above and never freed.
            let merged: &'static Merged = unsafe { &*found };
            if merged.base == *base {
                return &merged.policy;
            }
        }
        if !self.warned_full.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: TARGET,
                site = site.name(),
                "wait_or_die: override not applied: the site's calls passed more than {MERGED_SLOTS} distinct policies"
            );
        }
        base
    }
}

/// The policy a call of `site` starting with `base` runs under: `base` itself, at the cost of
/// one relaxed load, unless an operator overrides the site.
#[inline]
pub(crate) fn effective<'p>(site: &Site, base: &'p Policy) -> &'p Policy {
    match site.control() {
        None => base,
        Some(control) => control.policy_for(site, base),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_one_policy_per_base_and_falls_back_past_the_slots() {
        static SITE: Site = Site::new("control::site::tests");
        let control = SiteControl::leak(Override::new().max_retries(1));
        let base = Policy::DEFAULT;
        let first: *const Policy = control.policy_for(&SITE, &base);
        let copy = base;
        let again: *const Policy = control.policy_for(&SITE, &copy);
        assert_eq!(first, again, "an equal base shares the cached policy");
        assert_eq!(control.policy_for(&SITE, &base).max_retries(), 1);
        let bases: Vec<Policy> = (0..=MERGED_SLOTS as u32)
            .map(|n| Policy::builder().max_retries(10 + n).build().unwrap())
            .collect();
        for b in &bases[..MERGED_SLOTS - 1] {
            assert_eq!(control.policy_for(&SITE, b).max_retries(), 1);
        }
        let past = &bases[MERGED_SLOTS];
        assert!(core::ptr::eq(control.policy_for(&SITE, past), past));
    }
}
