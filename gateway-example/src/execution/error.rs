//! Why one attempt at an intent failed, and whether another attempt may follow.

use wait_or_die::{EngineError, EngineErrorKind};

use crate::protocol::ErrorCode;
use crate::terminal::{Retcode, TerminalError};

/// The error of one attempt of any kind of intent (see [`execute`](super::execute)).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExecutionError {
    /// Nothing executed; a fresh attempt may succeed (requote, busy server...).
    #[error("{} ({}): nothing executed", .0.name(), .0.code())]
    Transient(Retcode),
    /// Nothing executed and trying again cannot help.
    #[error("{} ({}): {}", .0.name(), .0.code(), .0.description())]
    Rejected(Retcode),
    /// The intent may have executed; the next attempt reconciles before it sends anything.
    #[error("outcome unknown after {0}")]
    Ambiguous(String),
    /// Not found on the terminal, but its history may not show it yet: the next attempt looks
    /// again once the history lag has passed.
    #[error("not in the terminal's history yet")]
    NotYet,
    /// The terminal could not be asked (quote or history lookup failed).
    #[error("terminal unavailable: {0}")]
    Unavailable(TerminalError),
    /// The terminal's circuit breaker is open: recent calls found it gone, so nothing was sent.
    #[error("the terminal was unreachable on recent calls (circuit breaker open)")]
    BreakerOpen,
    /// The journal could not say which tickets are already taken.
    #[error("journal unavailable: {0}")]
    Journal(String),
    /// Another unsettled intent held this one's key too long; nothing was sent.
    #[error("request {0} on the same key is still unsettled")]
    KeyBusy(uuid::Uuid),
    /// The symbol vanished from the terminal.
    #[error("unknown symbol `{0}`")]
    UnknownSymbol(String),
    /// The terminal's books answer the intent for good: its position or order is gone.
    #[error("{message}")]
    Final {
        /// The reply's error code.
        code: ErrorCode,
        /// What happened, for people.
        message: String,
    },
}

/// A failure the retry engine made, with no attempt of its own: the terminal's breaker refused
/// the call, or (never with a blocking call) a deadline cut an attempt off. Nothing was sent.
///
/// ```
/// use gateway_example::execution::ExecutionError;
/// use wait_or_die::EngineError;
///
/// assert_eq!(ExecutionError::from(EngineError::breaker_open()), ExecutionError::BreakerOpen);
/// ```
impl From<EngineError> for ExecutionError {
    fn from(error: EngineError) -> Self {
        match error.kind() {
            EngineErrorKind::BreakerOpen => ExecutionError::BreakerOpen,
            _ => ExecutionError::Unavailable(TerminalError::Timeout),
        }
    }
}

impl ExecutionError {
    /// Whether the retry loop may run another attempt: everything but a final answer.
    ///
    /// ```
    /// use gateway_example::execution::ExecutionError;
    /// use gateway_example::terminal::Retcode;
    ///
    /// assert!(ExecutionError::NotYet.is_retryable());
    /// assert!(!ExecutionError::Rejected(Retcode::INVALID_VOLUME).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self,
            ExecutionError::Rejected(_)
                | ExecutionError::UnknownSymbol(_)
                | ExecutionError::Final { .. }
        )
    }

    pub(crate) fn finally(code: ErrorCode, message: impl Into<String>) -> ExecutionError {
        ExecutionError::Final {
            code,
            message: message.into(),
        }
    }
}
