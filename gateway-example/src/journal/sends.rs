//! The durable half of the key lock: which intent last sent on each key, written before the send.
//!
//! At most one intent per key is ever unsettled on the terminal: an intent takes its key before
//! each send and gives it back only once the terminal's books are known to hold its tickets
//! (journaled by then) or nothing of it. Marking the key's sender here, committed before the
//! send, makes that fact survive a `kill -9`: after a restart, of the intents pending on one key
//! only the key's last sender can have anything on the books, and any record on the key made
//! after its mark that no settled intent took is its own, whatever the broker did to the comment.
//! Every other intent pending on the key never sent, or every send it made was answered with
//! nothing executed.

use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Journal, JournalError};
use crate::execution::IntentKey;
use crate::protocol::Reply;
use crate::store::store_err;

/// Key (as [`IntentKey`]'s text) → the last [`KeySend`] on it, as JSON.
pub(super) const SENDS: TableDefinition<&str, &str> = TableDefinition::new("key_sends");

/// The intent that last took a key to send, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySend {
    /// The intent's `req_id`.
    pub req_id: Uuid,
    /// When it took the key to send, ms since the Unix epoch: its records on the terminal are
    /// all made after this (less the clock skew between gateway and terminal).
    pub since_ms: u64,
}

impl Journal {
    /// Records that `req_id` holds `key` and is about to send on it; committed before it
    /// returns. Call it after taking the key and before each send; a holder that marks again
    /// keeps the time of its first mark.
    ///
    /// ```
    /// use gateway_example::execution::IntentKey;
    /// use gateway_example::journal::{Journal, KeySend, DEFAULT_JOURNAL_TTL};
    ///
    /// let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    /// let key = IntentKey::Position(7);
    /// assert_eq!(journal.key_sender(&key).unwrap(), None);
    /// let req_id = uuid::Uuid::new_v4();
    /// journal.mark_send(&key, req_id, 1_000).unwrap();
    /// assert_eq!(journal.key_sender(&key).unwrap(), Some(KeySend { req_id, since_ms: 1_000 }));
    /// ```
    pub fn mark_send(
        &self,
        key: &IntentKey,
        req_id: Uuid,
        now_ms: u64,
    ) -> Result<(), JournalError> {
        let tx = self.db.begin_write().map_err(store_err)?;
        write_mark(&tx, key, req_id, now_ms)?;
        tx.commit().map_err(store_err)?;
        Ok(())
    }

    /// Completes `req_id` (see [`Journal::complete`]) and, in the same commit, marks `next` as
    /// the sender on its key: the key passes from one intent to the next with one commit, and
    /// the next one's send mark is never durable before this one's tickets.
    ///
    /// ```
    /// use gateway_example::execution::TradeIntent;
    /// use gateway_example::journal::{Journal, DEFAULT_JOURNAL_TTL};
    /// use gateway_example::protocol::{OrderSpec, Reply};
    /// use gateway_example::terminal::OrderType;
    ///
    /// let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    /// let open = TradeIntent::Open(OrderSpec::market("EURUSD", OrderType::Buy, 0.01));
    /// let (first, next) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    /// journal.begin_sending(first, &open, None, 1).unwrap();
    /// let reply = Reply::success(first, serde_json::json!({"status": "filled"}));
    /// journal.complete_handing_over(first, &reply, 2, &[7], next).unwrap();
    /// assert_eq!(journal.key_sender(&open.key()).unwrap().unwrap().req_id, next);
    /// assert!(journal.is_attributed(7).unwrap());
    /// ```
    pub fn complete_handing_over(
        &self,
        req_id: Uuid,
        reply: &Reply,
        now_ms: u64,
        tickets: &[u64],
        next: Uuid,
    ) -> Result<(), JournalError> {
        self.complete_marking(req_id, reply, now_ms, tickets, Some(next))
    }

    /// The intent that last marked a send on `key`, if any did.
    pub fn key_sender(&self, key: &IntentKey) -> Result<Option<KeySend>, JournalError> {
        let tx = self.db.begin_read().map_err(store_err)?;
        let sends = tx.open_table(SENDS).map_err(store_err)?;
        let name = key.to_string();
        let Some(json) = sends.get(name.as_str()).map_err(store_err)? else {
            return Ok(None);
        };
        serde_json::from_str(json.value())
            .map(Some)
            .map_err(|source| JournalError::Corrupt {
                req_id: name,
                source,
            })
    }
}

/// Drops the marks older than the TTL whose intent is no longer pending: a pending sender keeps
/// its mark however old, or a restart would take it for one that never sent.
pub(super) fn prune(
    tx: &redb::WriteTransaction,
    pending: &redb::Table<'_, &str, u64>,
    now_ms: u64,
    ttl_ms: u64,
) -> Result<(), JournalError> {
    let mut sends = tx.open_table(SENDS).map_err(store_err)?;
    let mut stale = Vec::new();
    for row in sends.iter().map_err(store_err)? {
        let (name, json) = row.map_err(store_err)?;
        let Ok(mark) = serde_json::from_str::<KeySend>(json.value()) else {
            continue;
        };
        let old = now_ms.saturating_sub(mark.since_ms) > ttl_ms;
        let key = mark.req_id.to_string();
        if old && pending.get(key.as_str()).map_err(store_err)?.is_none() {
            stale.push(name.value().to_owned());
        }
    }
    for name in stale {
        sends.remove(name.as_str()).map_err(store_err)?;
    }
    Ok(())
}

/// Marks `req_id` as the sender on `key` within `tx`; a holder marking again keeps its first
/// mark: its earlier sends count too.
pub(super) fn write_mark(
    tx: &redb::WriteTransaction,
    key: &IntentKey,
    req_id: Uuid,
    now_ms: u64,
) -> Result<(), JournalError> {
    let name = key.to_string();
    let mut sends = tx.open_table(SENDS).map_err(store_err)?;
    let earlier = sends
        .get(name.as_str())
        .map_err(store_err)?
        .and_then(|json| serde_json::from_str::<KeySend>(json.value()).ok())
        .filter(|mark| mark.req_id == req_id);
    let mark = earlier.unwrap_or(KeySend {
        req_id,
        since_ms: now_ms,
    });
    let json = serde_json::to_string(&mark).expect("marks serialize");
    sends
        .insert(name.as_str(), json.as_str())
        .map_err(store_err)?;
    Ok(())
}
