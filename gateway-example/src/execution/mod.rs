//! Executing one intent on the terminal exactly once, whatever the terminal does.
//!
//! Four kinds of intent ([`TradeIntent`]: open, close, modify, cancel) share one pipeline: each
//! call of [`execute`] retries one attempt under `#[wait_or_die]`: transient retcodes are retried
//! with a fresh price, permanent ones end the call with their code, and an ambiguous outcome
//! (timeout, lost connection, generic error, no reply at all) is never answered by a blind
//! resend: the next attempt first finds out on the terminal whether it executed, by the rules of
//! its kind (`open.rs`, `close.rs`, `modify.rs`, `cancel.rs`; the gateway README lists them).

mod attempt;
mod cancel;
mod close;
mod error;
mod intent;
mod modify;
mod open;
mod outcome;
mod policy;
mod sites;
mod tag;
#[cfg(test)]
mod tests;

pub use attempt::{
    Attributions, Context, Found, Progress, SendGate, Settled, CLOCK_SKEW_ALLOWANCE_MS,
};
pub use cancel::Cancellation;
pub use close::Closure;
pub use error::ExecutionError;
pub use intent::{IntentKey, TradeIntent};
pub use modify::Modification;
pub use outcome::{Execution, ExecutionStatus};
pub use policy::{
    scaled_policy, EXECUTION_POLICY, SOCKET_POLICY, TERMINAL_BREAKER,
    TERMINAL_BREAKER_FAILURE_RATIO,
};
pub use sites::{check_lookup, execute, reconcile_with_retries};
pub use tag::{is_tag, order_comment, order_filter, GATEWAY_MAGIC};
