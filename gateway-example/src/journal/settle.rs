//! Settling a pending intent by hand, with the gateway stopped: the way out when the terminal's
//! books cannot tell the gateway whose record is whose.
//!
//! After a crash with two intents pending on one key (same magic and symbol) and a broker that
//! rewrote the comments, a record that fits both is taken by neither, and both keep their key:
//! new opens on that key get `key_busy`. The operator looks at the terminal's books, then tells
//! the journal what happened (`gateway-example journal settle`); the restarted gateway answers
//! the intents' resends from the journal and frees the key.

use serde_json::json;
use uuid::Uuid;

use super::{IntentState, Journal, JournalError};
use crate::protocol::{ErrorCode, Reply};

/// What the operator found on the terminal's books.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The intent executed as the order with this ticket.
    Executed {
        /// The order ticket it took.
        order: u64,
    },
    /// Nothing on the books is the intent's: its resend executes it anew.
    NotExecuted,
}

/// Why an intent could not be settled by hand.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// The journal failed (for a running gateway's journal: stop the gateway first).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// No entry has this `req_id`.
    #[error("no journal entry for {0}")]
    Missing(Uuid),
    /// The entry is already settled.
    #[error("{0} is already settled; only pending intents can be settled by hand")]
    NotPending(Uuid),
    /// Another intent already took the ticket.
    #[error("order {0} is already taken by another settled intent")]
    Taken(u64),
}

impl Journal {
    /// Settles the pending intent `req_id` as the operator found it, and returns the reply its
    /// resends will get.
    ///
    /// ```
    /// use gateway_example::execution::TradeIntent;
    /// use gateway_example::journal::{Journal, Verdict, DEFAULT_JOURNAL_TTL};
    /// use gateway_example::protocol::OrderSpec;
    /// use gateway_example::terminal::OrderType;
    ///
    /// let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    /// let open = TradeIntent::Open(OrderSpec::market("EURUSD", OrderType::Buy, 0.01));
    /// let req_id = uuid::Uuid::new_v4();
    /// journal.begin(req_id, &open, None, 0).unwrap();
    /// let reply = journal.settle_by_hand(req_id, Verdict::Executed { order: 7 }, 1).unwrap();
    /// assert!(reply.ok);
    /// assert!(journal.is_attributed(7).unwrap());
    /// assert!(journal.pending().unwrap().is_empty());
    /// ```
    pub fn settle_by_hand(
        &self,
        req_id: Uuid,
        verdict: Verdict,
        now_ms: u64,
    ) -> Result<Reply, SettleError> {
        let entry = self.get(req_id)?.ok_or(SettleError::Missing(req_id))?;
        if !matches!(entry.state, IntentState::Pending) {
            return Err(SettleError::NotPending(req_id));
        }
        let (reply, tickets) = match verdict {
            Verdict::Executed { order } => {
                if self.is_attributed(order)? {
                    return Err(SettleError::Taken(order));
                }
                let result = json!({
                    "status": "settled_by_operator",
                    "order": order,
                    "reconciled": true,
                });
                (Reply::success(req_id, result), vec![order])
            }
            Verdict::NotExecuted => {
                let reply = Reply::failure(
                    Some(req_id),
                    ErrorCode::TerminalUnavailable,
                    "settled by an operator: nothing executed; resend the same req_id to execute it",
                    true,
                );
                (reply, Vec::new())
            }
        };
        self.complete(req_id, &reply, now_ms, &tickets)?;
        Ok(reply)
    }
}
