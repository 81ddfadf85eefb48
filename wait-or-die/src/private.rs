//! Support for the `#[wait_or_die]` expansion. Not public API: names here may change in any release.

pub use crate::classify::{RetryAll, RetryIf};
pub use crate::error::TimeoutError;
pub use crate::policy::{blame, built};
pub use crate::retry::blocking::BlockingCall;
pub use crate::retry::call::{Attempt, Call, UncancelledAttempt, Wait};
pub use crate::site::{Site, SiteRef};
pub use inventory;
