//! The override in force for a site, as a call reads it when it starts, and the policy it makes
//! of the call's own.
//!
//! A call keeps the settings it started under (one pointer, read once with a relaxed load) and
//! the policy it was given, and lays the one over the other where it reads its policy: when it
//! has to wait, retry or give up, never on the happy path. Nothing is cached, so the override
//! holds for every call whatever policies the site's calls pass (a run-time policy may differ
//! on every call), and no call allocates or locks. The settings themselves are leaked, once per
//! distinct set (see `control/table.rs`): a call may hold them after they are replaced.

use std::borrow::Cow;

use crate::control::settings::Override;
use crate::policy::Policy;
use crate::site::Site;

/// One set of settings in force, shared by every site it is in force for.
#[derive(Debug)]
pub(crate) struct SiteControl {
    pub(crate) settings: Override,
}

impl SiteControl {
    /// Settings to put in force, leaked: see the module's docs.
    pub(crate) fn leak(settings: Override) -> &'static SiteControl {
        Box::leak(Box::new(SiteControl { settings }))
    }
}

/// The settings a call of `site` starts under: `None`, at the cost of one relaxed load, unless
/// an operator overrides the site.
#[inline]
pub(crate) fn starts_under(site: &Site) -> Option<&'static SiteControl> {
    site.control()
}

/// The policy a call that started with `base` under `control` runs by.
#[inline]
pub(crate) fn effective<'p>(base: &'p Policy, control: Option<&SiteControl>) -> Cow<'p, Policy> {
    match control {
        None => Cow::Borrowed(base),
        Some(control) => Cow::Owned(overridden(base, control)),
    }
}

#[cold]
#[inline(never)]
fn overridden(base: &Policy, control: &SiteControl) -> Policy {
    control.settings.apply_leniently(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_holds_for_any_number_of_base_policies() {
        let control = SiteControl::leak(Override::new().max_retries(1));
        for n in 0..1_000 {
            let base = Policy::builder().max_retries(10 + n).build().unwrap();
            assert_eq!(effective(&base, Some(control)).max_retries(), 1);
            assert!(matches!(effective(&base, None), Cow::Borrowed(b) if b == &base));
        }
        let off = SiteControl::leak(Override::new().retries_off());
        assert_eq!(effective(&Policy::DEFAULT, Some(off)).max_attempts(), 1);
    }
}
