//! Support for the `#[wait_or_die]` expansion. Not public API: names here may change in any release.

pub use crate::classify::{RetryAll, RetryIf};
pub use crate::engine_error::FromEngineError;
#[cfg(feature = "chaos")]
pub use crate::pipeline::{
    before_attempt_async as enter_async, before_attempt_blocking as enter_blocking,
};
pub use crate::policy::{blame, built};
pub use crate::retry::admission::{Carried, FirstAdmission, Uncarried};
pub use crate::retry::blocking::BlockingCall;
pub use crate::retry::call::{Attempt, Call, LastErrorAttempt, UncancelledAttempt, Wait};
pub use crate::retry::hedged::HedgedAttempt;
pub use crate::site::{Site, SiteRef};
#[cfg(feature = "chaos")]
pub use crate::strategy::chaos::{CannotInject, Entering, Inject, InjectError};
pub use inventory;
// The attribute's fault-injection hooks: `#[macro_export]` puts them at the crate root, where
// nothing names them; the expansion reaches them here.
#[cfg(feature = "chaos")]
pub use crate::__chaos_return as chaos_return;
pub use crate::{__chaos_async as chaos_async, __chaos_blocking as chaos_blocking};
