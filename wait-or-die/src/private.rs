//! Support for the `#[wait_or_die]` expansion. Not public API: names here may change in any release.

pub use crate::classify::{RetryAll, RetryIf};
pub use crate::retry::blocking::BlockingCall;
pub use crate::retry::call::{Attempt, Call, Wait};
pub use crate::stats::{Site, SiteRef};
pub use inventory;

use crate::policy::{Policy, PolicyError};

/// Unwraps a policy built in a `const`; an invalid one stops compilation with its message.
pub const fn policy(built: Result<Policy, PolicyError>) -> Policy {
    match built {
        Ok(policy) => policy,
        Err(e) => panic!("{}", e.message()),
    }
}
