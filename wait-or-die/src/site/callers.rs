//! The sites made at run time for the places in the source that call [`retry`](crate::retry)
//! or [`retry_blocking`](crate::retry_blocking) without `.site(..)`: one per place, named
//! `file:line:column` as `#[track_caller]` reports it, with counters and a retry budget of its own.
//!
//! A call finds its place's site without a lock or an allocation: a fixed table of buckets, each
//! a list that only ever grows at its head, read with acquire loads. The first call from a place
//! makes its site (leaked: there are as many as places in the binary) under a lock that only
//! such first calls take, and lists it after the caller has put the operator's override in force
//! on it, so no call of a listed site runs without it.

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};
use std::panic::Location;
use std::sync::{Mutex, PoisonError};

use crate::site::Site;

/// Buckets of the table: a power of two, a few times the places a service usually has.
const BUCKETS: usize = 64;

/// A place that called, and its site.
struct Caller {
    at: &'static Location<'static>,
    site: Site,
    /// The caller listed before this one in the same bucket.
    next: *const Caller,
}

// SAFETY: a `Caller` is only ever shared once leaked and never written after that; its site is
// `Sync`, and `next` points at another leaked, never written `Caller`.
unsafe impl Sync for Caller {}

static TABLE: [AtomicPtr<Caller>; BUCKETS] = [const { AtomicPtr::new(ptr::null_mut()) }; BUCKETS];

/// Taken only by the first call of a place, to make its site once.
static MAKING: Mutex<()> = Mutex::new(());

fn bucket(at: &Location<'_>) -> &'static AtomicPtr<Caller> {
    let hash = at.line().wrapping_mul(31).wrapping_add(at.column());
    &TABLE[hash as usize % BUCKETS]
}

fn same(a: &Location<'_>, b: &Location<'_>) -> bool {
    ptr::eq(a, b) || (a.line() == b.line() && a.column() == b.column() && a.file() == b.file())
}

/// The callers listed in `bucket`, newest first.
fn listed(bucket: &AtomicPtr<Caller>) -> impl Iterator<Item = &'static Caller> {
    // SAFETY: a non-null pointer here is a leaked, never freed `Caller`, published with a
    // release store (see `site_of`) after it was fully written.
    let first = unsafe { bucket.load(Ordering::Acquire).as_ref() };
    core::iter::successors(first, |caller| unsafe { caller.next.as_ref() })
}

/// The site of the place `at`, made on its first call; `adopt` puts the operator's override in
/// force on a new site and then runs the listing it is given.
#[inline]
pub(crate) fn site_of(
    at: &'static Location<'static>,
    adopt: fn(&'static Site, &mut dyn FnMut()),
) -> &'static Site {
    match listed(bucket(at)).find(|c| same(c.at, at)) {
        Some(caller) => &caller.site,
        None => first_call(at, adopt),
    }
}

#[cold]
#[inline(never)]
fn first_call(
    at: &'static Location<'static>,
    adopt: fn(&'static Site, &mut dyn FnMut()),
) -> &'static Site {
    let _making = MAKING.lock().unwrap_or_else(PoisonError::into_inner);
    let bucket = bucket(at);
    if let Some(caller) = listed(bucket).find(|c| same(c.at, at)) {
        return &caller.site;
    }
    let name = format!("{}:{}:{}", at.file(), at.line(), at.column());
    let caller: &'static Caller = Box::leak(Box::new(Caller {
        at,
        site: Site::new(Box::leak(name.into_boxed_str())),
        next: bucket.load(Ordering::Relaxed),
    }));
    adopt(&caller.site, &mut || {
        bucket.store(ptr::from_ref(caller).cast_mut(), Ordering::Release);
    });
    &caller.site
}

/// Every site made so far.
pub(crate) fn all() -> impl Iterator<Item = &'static Site> {
    TABLE.iter().flat_map(listed).map(|caller| &caller.site)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed_now(site: &'static Site, list: &mut dyn FnMut()) {
        assert_eq!(site.snapshot().calls, 0, "adopted before any call");
        list();
    }

    #[track_caller]
    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    #[test]
    fn one_site_per_place_named_after_it() {
        let places: Vec<_> = (0..3).map(|_| here()).collect();
        let other = here();
        let first = site_of(places[0], listed_now);
        assert!(places
            .iter()
            .all(|p| ptr::eq(site_of(p, listed_now), first)));
        let second = site_of(other, listed_now);
        assert!(!ptr::eq(first, second));
        let expected = format!("{}:{}:", file!(), places[0].line());
        assert!(first.name().starts_with(&expected), "{}", first.name());
        assert!(all().any(|s| ptr::eq(s, first)) && all().any(|s| ptr::eq(s, second)));
    }
}
