//! Running attempts: the async engine (tokio timers) and the blocking one (thread sleep).

pub(crate) mod admission;
pub(crate) mod blocking;
pub(crate) mod call;
pub(crate) mod future;
mod hedge_watch;
pub(crate) mod hedged;
pub(crate) mod schedule;
mod watch;

use std::panic::Location;

use crate::site::Site;

/// The site of the place `at` that calls [`retry`](crate::retry) or
/// [`retry_blocking`](crate::retry_blocking) without `.site(..)`, under the override in force
/// for its name from its first call on.
#[inline]
pub(crate) fn caller_site(at: &'static Location<'static>) -> &'static Site {
    crate::site::caller_site(at, crate::control::adopt)
}
