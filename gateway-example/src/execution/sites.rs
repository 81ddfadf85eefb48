//! The retry sites: one `#[wait_or_die]` function per kind of intent, so that each kind keeps a
//! site name of its own in the statistics, the metrics and the configuration file, and all of
//! them run the same [`attempt`](super::attempt).

use wait_or_die::{wait_or_die, Policy};

use super::attempt::{attempt, Context, Found, Kind, Progress, Settled};
use super::cancel::Cancel;
use super::close::Close;
use super::modify::Modify;
use super::open::Open;
use super::{ExecutionError, TradeIntent};
use crate::protocol::{CancelSpec, CloseSpec, ModifySpec, OrderSpec};
use crate::terminal::Terminal;

/// Executes `intent` on the terminal, at most once, under `policy` (the seed's order policy by
/// default: 30 s, 5 retries, 1 s → 10 s), retrying everything but a final answer.
///
/// Each attempt first reconciles if an earlier one may have executed (modify and cancel always
/// look first), then sends. `PLACED`, `DONE` and `DONE_PARTIAL` end the call: after a partial
/// fill the rest is cancelled (IOC), never resent.
pub fn execute(
    terminal: &dyn Terminal,
    intent: &TradeIntent,
    cx: &Context<'_>,
    progress: &mut Progress,
    policy: &Policy,
) -> Result<Settled, ExecutionError> {
    match intent {
        TradeIntent::Open(order) => place_order(terminal, order, cx, progress, policy),
        TradeIntent::Close(close) => close_position(terminal, close, cx, progress, policy),
        TradeIntent::Modify(modify) => modify_order(terminal, modify, cx, progress, policy),
        TradeIntent::Cancel(cancel) => cancel_order(terminal, cancel, cx, progress, policy),
    }
}

/// `ORDER_SEND`: the seed's `_execute_order_with_resilience`, made safe.
#[wait_or_die(policy = *policy, retry_if = ExecutionError::is_retryable, name = "gateway.place_order")]
fn place_order(
    terminal: &dyn Terminal,
    order: &OrderSpec,
    cx: &Context<'_>,
    progress: &mut Progress,
    policy: &Policy,
) -> Result<Settled, ExecutionError> {
    attempt(&Open::new(order), terminal, cx, progress)
}

/// `POSITION_CLOSE`.
#[wait_or_die(policy = *policy, retry_if = ExecutionError::is_retryable, name = "gateway.close_position")]
fn close_position(
    terminal: &dyn Terminal,
    close: &CloseSpec,
    cx: &Context<'_>,
    progress: &mut Progress,
    policy: &Policy,
) -> Result<Settled, ExecutionError> {
    attempt(&Close(close), terminal, cx, progress)
}

/// `ORDER_MODIFY`.
#[wait_or_die(policy = *policy, retry_if = ExecutionError::is_retryable, name = "gateway.modify_order")]
fn modify_order(
    terminal: &dyn Terminal,
    modify: &ModifySpec,
    cx: &Context<'_>,
    progress: &mut Progress,
    policy: &Policy,
) -> Result<Settled, ExecutionError> {
    attempt(&Modify(modify), terminal, cx, progress)
}

/// `ORDER_CANCEL`.
#[wait_or_die(policy = *policy, retry_if = ExecutionError::is_retryable, name = "gateway.cancel_order")]
fn cancel_order(
    terminal: &dyn Terminal,
    cancel: &CancelSpec,
    cx: &Context<'_>,
    progress: &mut Progress,
    policy: &Policy,
) -> Result<Settled, ExecutionError> {
    attempt(&Cancel(cancel), terminal, cx, progress)
}

/// A lookup the gateway makes before it journals an intent (a symbol's rules, a position's
/// volume): one attempt, as the client's resend is the retry, through the terminal's circuit
/// breaker (`policy`'s, with its retries dropped), so that once calls have found the terminal
/// gone a new request is answered at once, and a probe finds it back.
///
/// ```
/// use gateway_example::execution::{check_lookup, ExecutionError, EXECUTION_POLICY};
///
/// let found = check_lookup(&|| Ok::<_, ExecutionError>(7), &EXECUTION_POLICY);
/// assert_eq!(found, Ok(7));
/// ```
pub fn check_lookup<T>(
    lookup: &dyn Fn() -> Result<T, ExecutionError>,
    policy: &Policy,
) -> Result<T, ExecutionError> {
    let once = policy
        .to_builder()
        .max_retries(0)
        .build()
        .unwrap_or(*policy);
    check_once(lookup, &once)
}

#[wait_or_die(policy = *policy, name = "gateway.check")]
fn check_once<T>(
    lookup: &dyn Fn() -> Result<T, ExecutionError>,
    policy: &Policy,
) -> Result<T, ExecutionError> {
    lookup()
}

/// What the terminal shows of a pending intent, retried while the terminal cannot be reached or
/// its history may still be catching up: used on every pending intent by a restarted gateway
/// before it serves anyone, and by the periodic sweep. Never [`Found::NotYet`].
#[wait_or_die(policy = *policy, retry_if = ExecutionError::is_retryable, name = "gateway.reconcile")]
pub fn reconcile_with_retries(
    terminal: &dyn Terminal,
    intent: &TradeIntent,
    cx: &Context<'_>,
    progress: &Progress,
    policy: &Policy,
) -> Result<Found, ExecutionError> {
    let found = match intent {
        TradeIntent::Open(order) => Open::new(order).reconcile(terminal, cx, progress),
        TradeIntent::Close(close) => Close(close).reconcile(terminal, cx, progress),
        TradeIntent::Modify(modify) => Modify(modify).reconcile(terminal, cx, progress),
        TradeIntent::Cancel(cancel) => Cancel(cancel).reconcile(terminal, cx, progress),
    }?;
    match found {
        Found::NotYet => Err(ExecutionError::NotYet),
        found => Ok(found),
    }
}
