//! Why one attempt at placing an order failed, and whether another attempt may follow.

use crate::terminal::{Retcode, TerminalError};

/// The error of one attempt of [`place_order`](super::place_order).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExecutionError {
    /// Nothing executed; a fresh attempt may succeed (requote, busy server...).
    #[error("{} ({}): nothing executed", .0.name(), .0.code())]
    Transient(Retcode),
    /// Nothing executed and trying again cannot help.
    #[error("{} ({}): {}", .0.name(), .0.code(), .0.description())]
    Rejected(Retcode),
    /// The order may have executed; the next attempt reconciles before it sends anything.
    #[error("outcome unknown after {0}")]
    Ambiguous(String),
    /// The terminal could not be asked (quote or history lookup failed).
    #[error("terminal unavailable: {0}")]
    Unavailable(TerminalError),
    /// The symbol vanished from the terminal.
    #[error("unknown symbol `{0}`")]
    UnknownSymbol(String),
}

impl ExecutionError {
    /// Whether the retry loop may run another attempt: everything but a permanent rejection.
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self,
            ExecutionError::Rejected(_) | ExecutionError::UnknownSymbol(_)
        )
    }
}
