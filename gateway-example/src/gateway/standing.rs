//! What a pending intent can have on the terminal's books, judged from the journal alone: the
//! key's last sender may have executed, any other intent pending on the key has not.
//!
//! The journal marks each send on a key before it goes out (`journal/sends.rs`), and a key only
//! passes to another intent once the terminal shows nothing of its holder or the holder's tickets
//! are journaled. So of the intents pending on one key, only the one the mark names can own an
//! unclaimed record on the key: its lookup takes such a record whatever its comment, and the
//! others are known never to have executed. Only entries written by a gateway that did not mark
//! its sends (`marks_sends: false`) and that share a key are judged by their intact tags alone.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Gateway;
use crate::journal::Intent;

/// Why an intent waits for an operator, as `STATS` and the log say it.
pub(super) const AWAITING_OPERATOR_WHY: &str = "journaled by a gateway that did not mark its sends, with another such intent pending on its key, under comments the broker may have replaced: the books cannot tell whose record is whose; settle it with `gateway-example journal settle` (gateway stopped)";

/// A pending intent whose outcome the terminal's books cannot decide: it keeps its key until an
/// operator settles it by hand.
///
/// ```
/// use gateway_example::gateway::AwaitingOperator;
///
/// let json = r#"{"req_id": "550e8400-e29b-41d4-a716-446655440000", "key": "open:1:EURUSD",
///   "created_ms": 0, "why": "..."}"#;
/// let waiting: AwaitingOperator = serde_json::from_str(json)?;
/// assert_eq!(waiting.key, "open:1:EURUSD");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwaitingOperator {
    /// The intent's `req_id`.
    pub req_id: Uuid,
    /// The key it blocks (`open:<magic>:<symbol>`, `position:<ticket>`, `order:<ticket>`).
    pub key: String,
    /// When it was journaled, ms since the Unix epoch.
    pub created_ms: u64,
    /// Why the books cannot decide, and what to do.
    pub why: String,
}

/// Where a pending intent stands on its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    /// It may have executed: any unclaimed record on its key that fits is its own.
    Sender,
    /// Nothing on the books is its: it never sent, or each send was answered with nothing done.
    Unsent,
    /// Journaled by a gateway that did not mark its sends, with another such intent pending on
    /// its key: only a record with its intact tag proves anything, and "not found" proves
    /// nothing.
    TagOnly,
}

impl Gateway {
    /// Where the pending intent `req_id` stands on its key. An unreadable journal counts as
    /// [`Standing::TagOnly`]: nothing is taken or sent on a guess.
    pub(super) fn standing(&self, req_id: Uuid, entry: &Intent) -> Standing {
        let key = entry.intent.key();
        if entry.marks_sends {
            return match self.journal.key_sender(&key) {
                Ok(Some(mark)) if mark.req_id == req_id => Standing::Sender,
                Ok(_) => Standing::Unsent,
                Err(_) => Standing::TagOnly,
            };
        }
        // An older gateway's entry: as before marks, intents inherited pending together on one
        // key cannot be told apart but by their tags. (Within one process an intent sends and
        // looks only under its key.)
        if !self.inherited.contains(&req_id) {
            return Standing::Sender;
        }
        let shared = self.journal.pending().map_or(true, |pending| {
            pending.iter().any(|(other, e)| {
                *other != req_id && self.inherited.contains(other) && e.intent.key() == key
            })
        });
        if shared {
            Standing::TagOnly
        } else {
            Standing::Sender
        }
    }
}

impl Gateway {
    /// The pending intents only an operator can settle (see [`AwaitingOperator`]).
    pub(super) fn awaiting_operator(&self) -> Vec<AwaitingOperator> {
        let Ok(pending) = self.journal.pending() else {
            return Vec::new();
        };
        pending
            .into_iter()
            .filter(|(req_id, entry)| self.standing(*req_id, entry) == Standing::TagOnly)
            .map(|(req_id, entry)| AwaitingOperator {
                req_id,
                key: entry.intent.key().to_string(),
                created_ms: entry.created_ms,
                why: AWAITING_OPERATOR_WHY.to_owned(),
            })
            .collect()
    }
}
