//! The `tracing` events of a call, with stable field names.
//!
//! Fields: `site`, `attempt`, `max_attempts`, `wait_ms`, `elapsed_ms`, `error`, and `reason` when
//! a call gives up. Messages contain `wait_or_die` and `retry` / `recovered` / `gave up`, so a
//! `grep` of the logs finds them. The hooks of [`crate::hooks`] get the same facts.

use core::fmt::Debug;
use core::time::Duration;

use crate::error::StopReason;
use crate::hooks::{self, GiveUpEvent, RetryEvent};
use crate::units::millis;

/// The target every event is logged under.
pub(crate) const TARGET: &str = "wait_or_die";

/// WARN: an attempt failed and the call will retry after `wait`.
pub(crate) fn retrying(
    site: &str,
    attempt: u32,
    max_attempts: u32,
    wait: Duration,
    elapsed: Duration,
    error: &dyn Debug,
) {
    tracing::warn!(
        target: TARGET,
        site,
        attempt,
        max_attempts,
        wait_ms = millis(wait),
        elapsed_ms = millis(elapsed),
        error = ?error,
        "wait_or_die: attempt failed, will retry"
    );
    hooks::retrying(&RetryEvent {
        site,
        attempt,
        max_attempts,
        wait,
        elapsed,
        error,
    });
}

/// ERROR: the call gave up, and why.
pub(crate) fn gave_up(
    site: &str,
    attempt: u32,
    max_attempts: u32,
    elapsed: Duration,
    reason: StopReason,
    error: &dyn Debug,
) {
    tracing::error!(
        target: TARGET,
        site,
        attempt,
        max_attempts,
        elapsed_ms = millis(elapsed),
        reason = reason.as_str(),
        error = ?error,
        "wait_or_die: gave up after retry"
    );
    hooks::gave_up(&GiveUpEvent {
        site,
        attempt,
        max_attempts,
        elapsed,
        reason,
        error,
    });
}

/// INFO: the call succeeded after at least one retry.
pub(crate) fn recovered(site: &str, attempt: u32, max_attempts: u32, elapsed: Duration) {
    tracing::info!(
        target: TARGET,
        site,
        attempt,
        max_attempts,
        elapsed_ms = millis(elapsed),
        "wait_or_die: recovered after retry"
    );
}
