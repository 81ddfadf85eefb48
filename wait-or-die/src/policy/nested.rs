//! Whether a call retries a failure that a call nested in its attempt already retried.
//!
//! By default it does not: when an annotated call runs inside another's attempt and gives up
//! after retrying, only that inner layer has retried, as the SRE book advises, so that three
//! nested layers of four attempts do not send 64 attempts to a dead dependency. An outer layer
//! with a reason of its own to retry (it reconnects, or picks another replica, before its next
//! attempt) opts in with [`PolicyBuilder::retry_nested`] (`retry_nested = true`).

use crate::policy::{Policy, PolicyBuilder};

impl Policy {
    /// Whether this call retries a failure that a call nested in its attempt already retried
    /// and gave up on (`false` by default).
    ///
    /// ```
    /// use wait_or_die::Policy;
    ///
    /// assert!(!Policy::DEFAULT.retries_nested());
    /// assert!(Policy::builder().retry_nested().build()?.retries_nested());
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn retries_nested(&self) -> bool {
        self.retry_nested
    }
}

impl PolicyBuilder {
    /// Retries failures that a nested call already retried and gave up on: for an outer layer
    /// whose next attempt does something different (reconnects, picks another replica).
    ///
    /// ```
    /// let outer = wait_or_die::Policy::builder().retry_nested().build()?;
    /// assert!(outer.retries_nested());
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn retry_nested(mut self) -> Self {
        self.policy.retry_nested = true;
        self
    }

    /// Leaves failures that a nested call already retried to that call: the default.
    ///
    /// ```
    /// let p = wait_or_die::Policy::builder().retry_nested().defer_to_nested().build()?;
    /// assert!(!p.retries_nested());
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub const fn defer_to_nested(mut self) -> Self {
        self.policy.retry_nested = false;
        self
    }
}
