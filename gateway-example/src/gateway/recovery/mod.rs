//! Start-up after a crash: every pending intent is reconciled against the terminal before the
//! gateway serves anyone.
//!
//! An intent found executed is completed with its fill, so the client's resend gets it. One not
//! found stays pending while its client may still be resending (the resend reconciles again and
//! then executes); past the client window it is completed as expired, because nobody is waiting
//! for it and a fill now would be a surprise.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use uuid::Uuid;

use super::gate::Attributed;
use super::in_flight::Claim;
use super::standing::{Standing, AWAITING_OPERATOR_WHY};
use super::Gateway;
use crate::clock::unix_ms;
use crate::execution::{reconcile_with_retries, Context, ExecutionError, Found, Progress, Settled};
use crate::journal::{Intent, IntentState, JournalError};
use crate::protocol::{ErrorCode, Reply};

/// What [`Gateway::recover`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecoveryReport {
    /// Pending intents found in the journal.
    pub pending: usize,
    /// Of those, found executed on the terminal and completed.
    pub found_executed: usize,
    /// Of those, answered for good by the terminal's books (the position or order is gone).
    pub answered_final: usize,
    /// Of those, not executed and past the client window: completed as expired.
    pub expired_unexecuted: usize,
    /// Of those, left pending for the client's resend (not executed, or the terminal unreachable).
    pub left_pending: usize,
    /// Of those, known from the journal never to have executed: not their key's last sender
    /// (see `journal/sends.rs`). Their resends execute them; they hold no key.
    pub not_sent: usize,
    /// Done entries removed for age.
    pub ttl_removed: usize,
}

/// What the terminal says about one pending intent.
enum Verdict {
    /// Settled: the reply and the tickets it takes.
    Settled(Reply, Vec<u64>),
    /// It did not execute.
    NotExecuted,
    /// The terminal could not tell (its history still lagging, or no record fits for sure).
    Unknown,
    /// The terminal could not be reached within the reconciliation policy.
    Unreachable,
}

impl Gateway {
    /// Reconciles every pending intent that no request is executing now, then drops expired
    /// entries. Run it before serving after a restart, and now and then while serving. An
    /// intent left pending that may have executed keeps its key. Once one intent finds the
    /// terminal unreachable, the others are left pending without asking, so a gateway started
    /// while its terminal is down serves after one reconciliation budget, not one per intent.
    pub fn recover(&self) -> Result<RecoveryReport, JournalError> {
        let mut report = RecoveryReport::default();
        let window_ms = self.config.client_window.as_millis() as u64;
        let pending = self.journal.pending()?;
        let mut terminal_unreachable = false;
        for (req_id, listed) in pending {
            let key = listed.intent.key();
            // Claim the intent like a request would: a resend arriving meanwhile waits for this
            // verdict instead of executing alongside it.
            let owner = match self.in_flight.claim(req_id, &listed.intent) {
                Claim::Owner(owner) => owner,
                Claim::Joined(..) => continue,
            };
            // Read again under the claim: a request may have settled it since the list was read,
            // and its stored reply is the only one.
            let Some(entry) = self.still_pending(req_id)? else {
                continue;
            };
            report.pending += 1;
            let now = unix_ms();
            // Once the terminal is unreachable, asking about the next intents would cost each a
            // whole reconciliation budget while no client is served: they wait for the sweep.
            let standing = self.standing(req_id, &entry);
            let verdict = if standing == Standing::Unsent {
                report.not_sent += 1;
                Verdict::NotExecuted
            } else if terminal_unreachable {
                Verdict::Unreachable
            } else {
                self.verdict(req_id, &entry, standing)
            };
            terminal_unreachable |= matches!(verdict, Verdict::Unreachable);
            let (reply, tickets) = match verdict {
                Verdict::Settled(reply, tickets) => {
                    if reply.ok {
                        report.found_executed += 1;
                    } else {
                        report.answered_final += 1;
                    }
                    (reply, tickets)
                }
                Verdict::NotExecuted if now.saturating_sub(entry.created_ms) > window_ms => {
                    report.expired_unexecuted += 1;
                    let reply = Reply::failure(
                        Some(req_id),
                        ErrorCode::ExpiredUnexecuted,
                        "the gateway restarted; this request never executed and its retry window has passed",
                        false,
                    );
                    (reply, Vec::new())
                }
                // Dropping the claim unfinished sends any waiting resend back with
                // `outcome_unknown`; its next copy executes (after one more lookup).
                Verdict::NotExecuted => {
                    report.left_pending += 1;
                    continue;
                }
                // It may have executed: it holds its key until its outcome is found.
                Verdict::Unknown | Verdict::Unreachable => {
                    report.left_pending += 1;
                    if standing == Standing::TagOnly {
                        tracing::warn!(%req_id, %key, why = AWAITING_OPERATOR_WHY, "an intent waits for an operator");
                    }
                    let _ = self.keys.try_take(&key, req_id);
                    continue;
                }
            };
            self.journal.complete(req_id, &reply, now, &tickets)?;
            self.forget_last_send(req_id);
            self.keys.release(&key, req_id);
            owner.finish(&reply);
        }
        report.ttl_removed = self.journal.expire(unix_ms())?;
        if report.pending > 0 {
            tracing::info!(?report, "reconciled pending intents");
        }
        Ok(report)
    }

    /// Settles the pending intent `req_id` that holds a key another intent waits for, if no
    /// request is executing it: executed or answered for good, or, when it did not execute, as
    /// a retryable failure that its resend executes anew. Left pending if the terminal cannot
    /// tell yet.
    pub(super) fn settle_idle(&self, req_id: Uuid) {
        let entry = match self.journal.get(req_id) {
            Ok(Some(entry)) => entry,
            Ok(None) | Err(_) => return,
        };
        let key = entry.intent.key();
        if !matches!(entry.state, IntentState::Pending) {
            self.keys.release(&key, req_id);
            return;
        }
        let Claim::Owner(owner) = self.in_flight.claim(req_id, &entry.intent) else {
            return;
        };
        // Read again under the claim: its own request may have settled it meanwhile.
        let Ok(Some(entry)) = self.still_pending(req_id) else {
            self.keys.release(&key, req_id);
            return;
        };
        let standing = self.standing(req_id, &entry);
        let verdict = match standing {
            Standing::Unsent => Verdict::NotExecuted,
            _ => self.verdict(req_id, &entry, standing),
        };
        let (reply, tickets) = match verdict {
            Verdict::Settled(reply, tickets) => (reply, tickets),
            Verdict::NotExecuted => {
                let reply = Reply::failure(
                    Some(req_id),
                    ErrorCode::TerminalUnavailable,
                    "nothing executed: settled so that another request on the same key could go ahead; resend the same req_id to execute it",
                    true,
                );
                (reply, Vec::new())
            }
            Verdict::Unknown | Verdict::Unreachable => return,
        };
        if self
            .journal
            .complete(req_id, &reply, unix_ms(), &tickets)
            .is_ok()
        {
            self.forget_last_send(req_id);
            self.keys.release(&key, req_id);
            owner.finish(&reply);
        }
    }

    /// The latest a pending intent can have been sent: its last send in this process, or before
    /// this gateway started for one it inherited (or now, if neither is known).
    pub(super) fn latest_send(&self, req_id: Uuid) -> u64 {
        let recorded = self.last_sends.lock().unwrap_or_else(|p| p.into_inner());
        match recorded.get(&req_id) {
            Some(&sent_ms) => sent_ms,
            None if self.inherited.contains(&req_id) => self.started_ms,
            None => unix_ms(),
        }
    }

    /// Forgets the last send of a settled intent.
    pub(super) fn forget_last_send(&self, req_id: Uuid) {
        let mut recorded = self.last_sends.lock().unwrap_or_else(|p| p.into_inner());
        recorded.remove(&req_id);
    }

    /// The journal entry of `req_id` if it is still pending.
    fn still_pending(&self, req_id: Uuid) -> Result<Option<Intent>, JournalError> {
        Ok(self
            .journal
            .get(req_id)?
            .filter(|entry| matches!(entry.state, IntentState::Pending)))
    }

    /// What the books say of a pending intent that may have been sent; [`Standing::TagOnly`]
    /// takes only a record with its intact tag, and "not found" then proves nothing.
    fn verdict(&self, req_id: Uuid, entry: &Intent, standing: Standing) -> Verdict {
        let attributions = Attributed {
            recent: &self.attributed,
            journal: &self.journal,
        };
        let cx = Context {
            req_id,
            created_ms: entry.created_ms,
            history_lag_ms: self.config.history_lag.as_millis() as u64,
            seen_volume: entry.seen_volume,
            attributions: &attributions,
            gate: &(),
            tag_only: standing == Standing::TagOnly,
        };
        let progress = Progress::resumed(self.latest_send(req_id));
        let found = reconcile_with_retries(
            &*self.terminal,
            &entry.intent,
            &cx,
            &progress,
            &self.config.reconcile_policy,
        );
        match found {
            Ok(Found::Executed(settled)) => settled_reply(req_id, settled),
            Ok(Found::NotExecuted) => Verdict::NotExecuted,
            Err(ExecutionError::Final { code, message }) => Verdict::Settled(
                Reply::failure(Some(req_id), code, message, false),
                Vec::new(),
            ),
            Err(ExecutionError::Unavailable(_) | ExecutionError::BreakerOpen) => {
                Verdict::Unreachable
            }
            Ok(Found::NotYet | Found::Unattributable) | Err(_) => Verdict::Unknown,
        }
    }

    /// How often a serving gateway re-runs [`Gateway::recover`].
    pub fn sweep_interval(&self) -> Duration {
        self.config.client_window
    }
}

fn settled_reply(req_id: Uuid, settled: Settled) -> Verdict {
    Verdict::Settled(Reply::success(req_id, settled.result), settled.tickets)
}

/// Re-runs [`Gateway::recover`] every [`Gateway::sweep_interval`] while serving: expires old
/// journal entries, and settles pending orders whose clients stopped resending.
pub async fn sweep_forever(gateway: Arc<Gateway>) {
    let mut interval = tokio::time::interval(gateway.sweep_interval());
    interval.tick().await; // the first tick is immediate, and start-up recovery just ran
    loop {
        interval.tick().await;
        let gateway = Arc::clone(&gateway);
        match tokio::task::spawn_blocking(move || gateway.recover()).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(%error, "journal sweep failed"),
            Err(error) => tracing::error!(%error, "journal sweep panicked"),
        }
    }
}

#[cfg(test)]
mod stale_tests;
#[cfg(test)]
mod tests;
