//! What an operation on the simulated books comes to: an answer, a refusal with its retcode, or
//! a storage failure, which the terminal reports as [`TerminalError::Storage`].
//!
//! A leaf shared by dealing, pending orders, positions and triggers, so none of them imports
//! another for these two names.

use super::ledger::LedgerError;
use super::{Retcode, TerminalError, TradeResult};

/// What an operation on the books came to: an answer, a refusal, or a storage failure.
pub(crate) type Outcome = Result<Result<TradeResult, Retcode>, TerminalError>;

/// A ledger failure as the terminal reports it.
pub(crate) fn storage(error: LedgerError) -> TerminalError {
    TerminalError::Storage(error.to_string())
}
