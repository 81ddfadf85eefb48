//! The gateway's [`SendGate`]: an intent takes its key before each send, marks itself the key's
//! sender in the journal (see `journal/sends.rs`), and gives the key back as soon as the terminal
//! shows nothing of it, or, when it holds tickets, once they are journaled with its reply. Tickets
//! learnt from an answer are attributed in memory at once: the next intent on the key never
//! takes them for its own.

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::Mutex;

use uuid::Uuid;

use super::Gateway;
use crate::clock::unix_ms;
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
    /// A gate for `req_id`; `holding` when it holds its key and the journal marks it as the
    /// key's sender already.
    pub(super) fn new(
        gateway: &'g Gateway,
        req_id: Uuid,
        key: IntentKey,
        holding: bool,
    ) -> Gate<'g> {
        Gate {
            gateway,
            req_id,
            key,
            holding: Cell::new(holding),
        }
    }

    /// Gives the key back once the intent is completed in the journal, unless it stays pending
    /// (it may have executed unseen).
    pub(super) fn finish(&self, pending: bool) {
        if !pending {
            self.hand_over(None);
        }
    }

    /// The intent the key goes to when this one completes: the first waiting for it, if this
    /// one holds it. Its send mark is journaled with this one's completion.
    pub(super) fn next_holder(&self) -> Option<Uuid> {
        if !self.holding.get() {
            return None;
        }
        self.gateway.keys.next_waiter(&self.key)
    }

    /// Gives the key to `next` (see [`Gate::next_holder`]) once this intent is completed in the
    /// journal, or back if `next` stopped waiting.
    pub(super) fn hand_over(&self, next: Option<Uuid>) {
        self.gateway.keys.hand_over(&self.key, self.req_id, next);
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
        // Durable before the send: after a crash, only the key's last sender can be on the books.
        // A key handed over by its last holder comes with the mark already.
        let journal = &self.gateway.journal;
        let marked = match journal.key_sender(&self.key) {
            Ok(Some(mark)) if mark.req_id == self.req_id => Ok(()),
            _ => journal.mark_send(&self.key, self.req_id, unix_ms()),
        };
        if let Err(error) = marked {
            self.gateway.keys.release(&self.key, self.req_id);
            return Err(ExecutionError::Journal(error.to_string()));
        }
        self.holding.set(true);
        Ok(())
    }

    fn answered(&self, tickets: Option<&[u64]>) {
        match tickets {
            // Kept until the tickets are journaled (`finish`): the next sender's mark must never
            // stand for a key whose previous holder's records are attributed only in memory.
            Some(tickets) => self.gateway.attributed.remember(tickets),
            None => {
                self.gateway.keys.release(&self.key, self.req_id);
                self.holding.set(false);
            }
        }
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
