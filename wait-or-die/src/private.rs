//! Support for the `#[wait_or_die]` expansion. Not public API: names here may change in any release.

pub use crate::classify::{RetryAll, RetryIf};
pub use crate::policy::{blame, built};
pub use crate::retry::blocking::BlockingCall;
pub use crate::retry::call::{Attempt, Call, Wait};
pub use crate::stats::{Site, SiteRef};
pub use inventory;

use crate::error::TimedOut;
use crate::policy::{Policy, PolicyError};

/// An error type that can stand for a cancelled attempt; it exists for its compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot stand for a timed-out attempt: add `impl From<wait_or_die::TimedOut> for {Self}`",
    label = "a deadline may cancel an attempt, so this error type needs `From<wait_or_die::TimedOut>`",
    note = "`std::io::Error` and `Box<dyn Error + Send + Sync>` already have it; or write `timeout = \"none\"` (without `attempt_timeout`) so that attempts are never cancelled"
)]
pub trait TimeoutError: From<TimedOut> {}

impl<E: From<TimedOut>> TimeoutError for E {}

/// Unwraps a policy built in a `const`; an invalid one stops compilation with its message.
pub const fn policy(built: Result<Policy, PolicyError>) -> Policy {
    crate::policy::valid_or_panic(built)
}
