//! The intent journal: the gateway's durable memory of every intent (open, close, modify,
//! cancel), keyed by `req_id`.
//!
//! An intent is written *before* the terminal is called and completed with the final reply, both
//! committed to disk (`redb`, fsync on commit) before the gateway moves on. So after any crash,
//! including `kill -9`, an order is in one of three states: absent (never sent), pending (may have
//! been sent: reconcile against the terminal before anything else) or done (answer stored: replay
//! it, or, when it is a retryable failure that executed nothing, execute again). Done entries
//! expire after a TTL that must outlast every client's retry window, or a late
//! resend would execute a second time. Before each send the journal also marks the intent as
//! its key's sender (`sends.rs`), so a restarted gateway knows which of the intents pending on
//! one key can have executed.

use std::path::Path;
use std::time::Duration;

use redb::{Database, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::execution::{Attributions, TradeIntent};
use crate::protocol::{OrderSpec, Reply};
use crate::store::{open_database, store_err, StoreError};

mod sends;
mod settle;

pub use sends::KeySend;
pub use settle::{SettleError, Verdict};

const INTENTS: TableDefinition<&str, &str> = TableDefinition::new("intents");
/// The `req_id`s of pending intents: an index, so that recovery reads the few unfinished orders
/// rather than a day of finished ones. Kept in the same transactions as `INTENTS`.
const PENDING: TableDefinition<&str, u64> = TableDefinition::new("pending");
/// Order tickets that settled intents took as their own, with when: an ambiguous open is only
/// found in a record none of them took. Written in the transaction that completes the intent.
const ATTRIBUTED: TableDefinition<u64, u64> = TableDefinition::new("attributed");
const JOURNAL_FILE: &str = "journal.redb";
/// How long a completed entry is kept: far beyond the 30 s client budget, so that only a client
/// resending a day later could execute twice, and that client has long since given up.
pub const DEFAULT_JOURNAL_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Where an order stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IntentState {
    /// Journaled; the terminal may or may not have executed it.
    Pending,
    /// Answered; `reply` is the frame a resend gets, unless `retry_on_resend`.
    Done {
        /// The reply frame as JSON text.
        reply: String,
        /// When it was answered, ms since the Unix epoch.
        finished_ms: u64,
        /// The reply is a `retryable` failure, so nothing executed: a resend of the same
        /// `req_id` executes again instead of getting this reply back.
        #[serde(default)]
        retry_on_resend: bool,
    },
}

/// One journaled intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StoredIntent")]
pub struct Intent {
    /// The intent as first received: a resend must match it.
    pub intent: TradeIntent,
    /// When it was journaled (before its first send), ms since the Unix epoch.
    pub created_ms: u64,
    /// A close's position volume as seen before it was journaled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_volume: Option<f64>,
    /// Whether the gateway that journaled it marks each send on the intent's key (see
    /// [`Journal::mark_send`]): then, while pending, it can only have executed if it is its
    /// key's last sender. Entries of older gateways have `false`.
    #[serde(default)]
    pub marks_sends: bool,
    /// The order tickets it took as its own, once settled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tickets: Vec<u64>,
    /// Pending or done.
    #[serde(flatten)]
    pub state: IntentState,
}

/// An entry as stored, including those written when every intent was an order.
#[derive(Deserialize)]
struct StoredIntent {
    #[serde(default)]
    intent: Option<TradeIntent>,
    #[serde(default)]
    order: Option<OrderSpec>,
    created_ms: u64,
    #[serde(default)]
    seen_volume: Option<f64>,
    #[serde(default)]
    marks_sends: bool,
    #[serde(default)]
    tickets: Vec<u64>,
    #[serde(flatten)]
    state: IntentState,
}

impl TryFrom<StoredIntent> for Intent {
    type Error = &'static str;

    fn try_from(stored: StoredIntent) -> Result<Intent, &'static str> {
        let intent = match (stored.intent, stored.order) {
            (Some(intent), None) => intent,
            (None, Some(order)) => TradeIntent::Open(order),
            _ => return Err("an entry holds exactly one of `intent` or `order`"),
        };
        Ok(Intent {
            intent,
            created_ms: stored.created_ms,
            seen_volume: stored.seen_volume,
            marks_sends: stored.marks_sends,
            tickets: stored.tickets,
            state: stored.state,
        })
    }
}

/// Why the journal failed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An entry did not decode.
    #[error("journal entry {req_id} is corrupt: {source}")]
    Corrupt {
        /// The entry's key.
        req_id: String,
        /// The decoding error.
        source: serde_json::Error,
    },
    /// `complete` for an intent that was never begun.
    #[error("no journal entry for {0}")]
    Missing(Uuid),
}

/// The durable intent journal.
pub struct Journal {
    db: Database,
    ttl: Duration,
}

impl Journal {
    /// Opens the journal in `dir` (created if needed), or in memory when `dir` is `None`.
    pub fn open(dir: Option<&Path>, ttl: Duration) -> Result<Journal, JournalError> {
        let db = open_database(dir, JOURNAL_FILE)?;
        let tx = db.begin_write().map_err(store_err)?;
        tx.open_table(INTENTS).map_err(store_err)?;
        tx.open_table(PENDING).map_err(store_err)?;
        tx.open_table(ATTRIBUTED).map_err(store_err)?;
        tx.open_table(sends::SENDS).map_err(store_err)?;
        tx.commit().map_err(store_err)?;
        Ok(Journal { db, ttl })
    }

    /// The entry for `req_id`, if any.
    pub fn get(&self, req_id: Uuid) -> Result<Option<Intent>, JournalError> {
        let tx = self.db.begin_read().map_err(store_err)?;
        let table = tx.open_table(INTENTS).map_err(store_err)?;
        let key = req_id.to_string();
        let Some(json) = table.get(key.as_str()).map_err(store_err)? else {
            return Ok(None);
        };
        decode(&key, json.value()).map(Some)
    }

    /// Records that `intent` is about to be sent (a close with the position's volume as seen).
    /// Committed before it returns.
    pub fn begin(
        &self,
        req_id: Uuid,
        intent: &TradeIntent,
        seen_volume: Option<f64>,
        now_ms: u64,
    ) -> Result<(), JournalError> {
        let entry = Intent {
            intent: intent.clone(),
            created_ms: now_ms,
            seen_volume,
            marks_sends: true,
            tickets: Vec::new(),
            state: IntentState::Pending,
        };
        self.put(req_id, &entry, &[], None)
    }

    /// [`Journal::begin`] for an intent that holds its key and is about to send: the entry and
    /// the key's send mark (see [`Journal::mark_send`]) in one commit.
    ///
    /// ```
    /// use gateway_example::execution::TradeIntent;
    /// use gateway_example::journal::{Journal, DEFAULT_JOURNAL_TTL};
    /// use gateway_example::protocol::OrderSpec;
    /// use gateway_example::terminal::OrderType;
    ///
    /// let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    /// let open = TradeIntent::Open(OrderSpec::market("EURUSD", OrderType::Buy, 0.01));
    /// let req_id = uuid::Uuid::new_v4();
    /// journal.begin_sending(req_id, &open, None, 5).unwrap();
    /// assert_eq!(journal.key_sender(&open.key()).unwrap().unwrap().req_id, req_id);
    /// ```
    pub fn begin_sending(
        &self,
        req_id: Uuid,
        intent: &TradeIntent,
        seen_volume: Option<f64>,
        now_ms: u64,
    ) -> Result<(), JournalError> {
        let entry = Intent {
            intent: intent.clone(),
            created_ms: now_ms,
            seen_volume,
            marks_sends: true,
            tickets: Vec::new(),
            state: IntentState::Pending,
        };
        self.put(req_id, &entry, &[], Some((req_id, now_ms)))
    }

    /// Records a pending intent as a gateway that did not mark its sends journaled it
    /// (`marks_sends: false`): what a journal written before send marks holds. For tests of
    /// such journals.
    #[doc(hidden)]
    pub fn begin_without_send_marks(
        &self,
        req_id: Uuid,
        intent: &TradeIntent,
        now_ms: u64,
    ) -> Result<(), JournalError> {
        let entry = Intent {
            intent: intent.clone(),
            created_ms: now_ms,
            seen_volume: None,
            marks_sends: false,
            tickets: Vec::new(),
            state: IntentState::Pending,
        };
        self.put(req_id, &entry, &[], None)
    }

    /// Stores the reply that ends this execution of `req_id`, and the order tickets it took as
    /// its own. Committed before it returns.
    pub fn complete(
        &self,
        req_id: Uuid,
        reply: &Reply,
        now_ms: u64,
        tickets: &[u64],
    ) -> Result<(), JournalError> {
        self.complete_marking(req_id, reply, now_ms, tickets, None)
    }

    /// [`Journal::complete`], marking `next` (if any) as its key's sender in the same commit.
    fn complete_marking(
        &self,
        req_id: Uuid,
        reply: &Reply,
        now_ms: u64,
        tickets: &[u64],
        next: Option<Uuid>,
    ) -> Result<(), JournalError> {
        let mut intent = self.get(req_id)?.ok_or(JournalError::Missing(req_id))?;
        intent.state = IntentState::Done {
            reply: reply.to_json(),
            finished_ms: now_ms,
            retry_on_resend: reply.error.as_ref().is_some_and(|e| e.retryable),
        };
        intent.tickets = tickets.iter().copied().filter(|&t| t != 0).collect();
        self.put(req_id, &intent, tickets, next.map(|next| (next, now_ms)))
    }

    /// Whether a settled intent took the order `ticket`.
    pub fn is_attributed(&self, ticket: u64) -> Result<bool, JournalError> {
        let tx = self.db.begin_read().map_err(store_err)?;
        let table = tx.open_table(ATTRIBUTED).map_err(store_err)?;
        Ok(table.get(ticket).map_err(store_err)?.is_some())
    }

    /// Every order still pending, oldest first: what a restarted gateway must reconcile.
    pub fn pending(&self) -> Result<Vec<(Uuid, Intent)>, JournalError> {
        let tx = self.db.begin_read().map_err(store_err)?;
        let index = tx.open_table(PENDING).map_err(store_err)?;
        let intents = tx.open_table(INTENTS).map_err(store_err)?;
        let mut pending = Vec::new();
        for row in index.iter().map_err(store_err)? {
            let (key, _) = row.map_err(store_err)?;
            let key = key.value().to_owned();
            let Some(json) = intents.get(key.as_str()).map_err(store_err)? else {
                continue;
            };
            pending.push((parse_key(&key)?, decode(&key, json.value())?));
        }
        pending.sort_by_key(|(_, intent)| intent.created_ms);
        Ok(pending)
    }

    /// Removes done entries answered more than the TTL before `now_ms`; returns how many.
    /// Pending entries never expire: they are resolved by reconciliation, not by age.
    pub fn expire(&self, now_ms: u64) -> Result<usize, JournalError> {
        let ttl_ms = self.ttl.as_millis() as u64;
        let stale: Vec<String> = self
            .all()?
            .into_iter()
            .filter(|(_, intent)| match intent.state {
                IntentState::Done { finished_ms, .. } => {
                    now_ms.saturating_sub(finished_ms) > ttl_ms
                }
                IntentState::Pending => false,
            })
            .map(|(req_id, _)| req_id.to_string())
            .collect();
        let tx = self.db.begin_write().map_err(store_err)?;
        {
            let mut table = tx.open_table(INTENTS).map_err(store_err)?;
            for key in &stale {
                table.remove(key.as_str()).map_err(store_err)?;
            }
            let mut attributed = tx.open_table(ATTRIBUTED).map_err(store_err)?;
            attributed
                .retain(|_, finished_ms| now_ms.saturating_sub(finished_ms) <= ttl_ms)
                .map_err(store_err)?;
            let pending = tx.open_table(PENDING).map_err(store_err)?;
            sends::prune(&tx, &pending, now_ms, ttl_ms)?;
        }
        tx.commit().map_err(store_err)?;
        Ok(stale.len())
    }

    fn all(&self) -> Result<Vec<(Uuid, Intent)>, JournalError> {
        let tx = self.db.begin_read().map_err(store_err)?;
        let table = tx.open_table(INTENTS).map_err(store_err)?;
        let mut entries = Vec::new();
        for row in table.iter().map_err(store_err)? {
            let (key, json) = row.map_err(store_err)?;
            let key = key.value().to_owned();
            entries.push((parse_key(&key)?, decode(&key, json.value())?));
        }
        Ok(entries)
    }

    /// Writes `intent` and, with `mark` (a sender and since when), its key's send mark in one
    /// commit.
    fn put(
        &self,
        req_id: Uuid,
        intent: &Intent,
        tickets: &[u64],
        mark: Option<(Uuid, u64)>,
    ) -> Result<(), JournalError> {
        let json = serde_json::to_string(intent).expect("intents always serialize");
        let key = req_id.to_string();
        let tx = self.db.begin_write().map_err(store_err)?;
        if let Some((sender, since_ms)) = mark {
            sends::write_mark(&tx, &intent.intent.key(), sender, since_ms)?;
        }
        {
            let mut intents = tx.open_table(INTENTS).map_err(store_err)?;
            intents
                .insert(key.as_str(), json.as_str())
                .map_err(store_err)?;
            let mut pending = tx.open_table(PENDING).map_err(store_err)?;
            match intent.state {
                IntentState::Pending => {
                    pending
                        .insert(key.as_str(), intent.created_ms)
                        .map_err(store_err)?;
                }
                IntentState::Done { finished_ms, .. } => {
                    pending.remove(key.as_str()).map_err(store_err)?;
                    let mut attributed = tx.open_table(ATTRIBUTED).map_err(store_err)?;
                    for &ticket in tickets.iter().filter(|&&t| t != 0) {
                        attributed.insert(ticket, finished_ms).map_err(store_err)?;
                    }
                }
            }
        }
        tx.commit().map_err(store_err)?;
        Ok(())
    }
}

impl Attributions for Journal {
    fn is_attributed(&self, ticket: u64) -> Result<bool, String> {
        Journal::is_attributed(self, ticket).map_err(|e| e.to_string())
    }
}

fn parse_key(key: &str) -> Result<Uuid, JournalError> {
    Uuid::parse_str(key).map_err(|_| JournalError::Corrupt {
        req_id: key.to_owned(),
        source: serde::de::Error::custom("key is not a UUID"),
    })
}

fn decode(key: &str, json: &str) -> Result<Intent, JournalError> {
    serde_json::from_str(json).map_err(|source| JournalError::Corrupt {
        req_id: key.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests;
