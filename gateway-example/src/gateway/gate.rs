//! The gateway's [`SendGate`]: an intent takes its key before each send and gives it back as
//! soon as its outcome on the terminal is known. Tickets learnt from an answer are attributed in
//! memory at once, before the key goes back, and in the journal when the intent is completed:
//! the next intent on the key never takes them for its own.

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::Mutex;

use uuid::Uuid;

use super::Gateway;
use crate::execution::{Attributions, ExecutionError, IntentKey, SendGate};
use crate::journal::Journal;

/// One execution's gate.
pub(super) struct Gate<'g> {
    gateway: &'g Gateway,
    req_id: Uuid,
    key: IntentKey,
    holding: Cell<bool>,
}

impl<'g> Gate<'g> {
    /// A gate for `req_id`, holding its key already if a pending entry of it does.
    pub(super) fn new(gateway: &'g Gateway, req_id: Uuid, key: IntentKey) -> Gate<'g> {
        Gate {
            gateway,
            req_id,
            key,
            holding: Cell::new(false),
        }
    }

    /// Gives the key back, unless the intent stays pending (it may have executed unseen).
    pub(super) fn finish(&self, pending: bool) {
        if !pending {
            self.gateway.keys.release(&self.key, self.req_id);
        }
    }
}

impl SendGate for Gate<'_> {
    fn before_send(&self) -> Result<(), ExecutionError> {
        if self.holding.get() {
            return Ok(());
        }
        self.gateway
            .take_key_blocking(&self.key, self.req_id, self.gateway.key_wait())
            .map_err(ExecutionError::KeyBusy)?;
        self.holding.set(true);
        Ok(())
    }

    fn answered(&self, tickets: Option<&[u64]>) {
        if let Some(tickets) = tickets {
            self.gateway.attributed.remember(tickets);
        }
        self.gateway.keys.release(&self.key, self.req_id);
        self.holding.set(false);
    }
}

/// Tickets attributed by answers whose intents are not completed in the journal yet.
#[derive(Default)]
pub(super) struct RecentTickets(Mutex<HashSet<u64>>);

impl RecentTickets {
    fn remember(&self, tickets: &[u64]) {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.extend(tickets.iter().copied().filter(|&t| t != 0));
    }

    /// Forgets tickets the journal now holds.
    pub(super) fn forget(&self, tickets: &[u64]) {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for ticket in tickets {
            set.remove(ticket);
        }
    }

    fn contains(&self, ticket: u64) -> bool {
        let set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.contains(&ticket)
    }
}

/// What reconciliation asks: attributed in memory or in the journal.
pub(super) struct Attributed<'g> {
    pub(super) recent: &'g RecentTickets,
    pub(super) journal: &'g Journal,
}

impl Attributions for Attributed<'_> {
    fn is_attributed(&self, ticket: u64) -> Result<bool, String> {
        if self.recent.contains(ticket) {
            return Ok(true);
        }
        self.journal
            .is_attributed(ticket)
            .map_err(|e| e.to_string())
    }
}
