//! Placing one order on the terminal exactly once, whatever the terminal does.
//!
//! [`place_order`] is the seed's `_execute_order_with_resilience` made safe: transient retcodes
//! are retried with a fresh price, permanent ones end the call with their code, and an ambiguous
//! outcome (timeout, lost connection, generic error, no reply at all) is never answered by a blind
//! resend: the next attempt first looks the order up in the terminal's history by its tag.

mod error;
mod outcome;
mod place;
mod policy;
mod reconcile;
mod tag;

pub use error::ExecutionError;
pub use outcome::{Execution, ExecutionStatus};
pub use place::{place_order, Progress};
pub use policy::{scaled_policy, EXECUTION_POLICY, SOCKET_POLICY};
pub use reconcile::{find_executed, reconcile_with_retries};
pub use tag::{order_comment, order_filter, GATEWAY_MAGIC};

/// A validated order, ready for the terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderIntent {
    /// The client's `req_id`: the order's identity on the terminal too.
    pub req_id: uuid::Uuid,
    /// The order as the client asked for it.
    pub order: crate::protocol::OrderSpec,
}
