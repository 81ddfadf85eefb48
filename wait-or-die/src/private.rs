//! Support for the `#[wait_or_die]` expansion. Not public API: names here may change in any release.

pub use crate::classify::{RetryAll, RetryIf};
pub use crate::error::TimeoutError;
#[cfg(feature = "chaos")]
pub use crate::pipeline::{
    before_attempt_async as enter_async, before_attempt_blocking as enter_blocking,
};
pub use crate::policy::{blame, built};
pub use crate::retry::blocking::BlockingCall;
pub use crate::retry::call::{Attempt, Call, UncancelledAttempt, Wait};
pub use crate::site::{Site, SiteRef};
#[cfg(feature = "chaos")]
pub use crate::strategy::chaos::{CannotInject, Entering, Inject, InjectError};
pub use inventory;
