//! Sites named at run time: one per name, for what is built while the program runs (a tower
//! layer), where `#[wait_or_die]` would declare a `static`.
//!
//! Made once per name (leaked: a program builds its layers a bounded number of times, at
//! start-up) and listed in [`sites`](crate::stats::sites) after the operator's override for
//! the name is in force, as `callers.rs` does for the places that call `retry`.

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::policy::Policy;
use crate::site::Site;

/// A site named at run time, and the one named before it.
struct Named {
    site: Site,
    next: *const Named,
}

// SAFETY: a `Named` is shared only once leaked and never written after; `next` points at
// another leaked, never written `Named`.
unsafe impl Sync for Named {}

static HEAD: AtomicPtr<Named> = AtomicPtr::new(ptr::null_mut());

/// Taken only to make a site, so that two layers built at once with one name share one site.
static MAKING: Mutex<()> = Mutex::new(());

fn listed() -> impl Iterator<Item = &'static Named> {
    // SAFETY: a non-null pointer here is a leaked `Named`, published with a release store
    // after it was fully written.
    let first = unsafe { HEAD.load(Ordering::Acquire).as_ref() };
    core::iter::successors(first, |n| unsafe { n.next.as_ref() })
}

/// The site named `name`, made on first ask and declared with `policy`; `adopt` puts the
/// operator's override in force before the site is listed.
pub(crate) fn site_named(
    name: &str,
    policy: &'static Policy,
    adopt: fn(&'static Site, &mut dyn FnMut()),
) -> &'static Site {
    let _making = MAKING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(named) = listed().find(|n| n.site.name() == name) {
        return &named.site;
    }
    let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
    let named: &'static Named = Box::leak(Box::new(Named {
        site: Site::new(name).with_policy(policy),
        next: HEAD.load(Ordering::Relaxed),
    }));
    adopt(&named.site, &mut || {
        HEAD.store(ptr::from_ref(named).cast_mut(), Ordering::Release);
    });
    &named.site
}

/// Every site named so far.
pub(crate) fn all() -> impl Iterator<Item = &'static Site> {
    listed().map(|n| &n.site)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(_: &'static Site, list: &mut dyn FnMut()) {
        list();
    }

    #[test]
    fn one_site_per_name() {
        static POLICY: Policy = Policy::DEFAULT;
        let a = site_named("named::tests.a", &POLICY, list);
        let again = site_named("named::tests.a", &POLICY, list);
        let b = site_named("named::tests.b", &POLICY, list);
        assert!(ptr::eq(a, again) && !ptr::eq(a, b));
        assert_eq!((a.name(), a.policy()), ("named::tests.a", Some(&POLICY)));
        assert!(all().any(|s| ptr::eq(s, b)));
    }
}
