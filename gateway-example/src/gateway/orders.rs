//! The four mutating actions (`ORDER_SEND`, `POSITION_CLOSE`, `ORDER_MODIFY`, `ORDER_CANCEL`):
//! at most one execution per `req_id`, one reply per request, the same steps for every kind.
//!
//! The order of steps is the whole point: claim the `req_id` in memory (a concurrent resend joins
//! instead of racing), read the journal (a finished intent is replayed; a pending one, or one that
//! ended in a retryable failure, is resumed with reconciliation), check the intent and journal
//! it, call the terminal (each send under the intent's key, see [`super::keys`]), journal the
//! reply, then answer. A crash between any two steps leaves a state that
//! [`Gateway::recover`] or the next resend resolves without a second execution.

use std::sync::Arc;

use uuid::Uuid;

use super::gate::{Attributed, Gate};
use super::in_flight::{wait_for_reply, Claim};
use super::standing::Standing;
use super::{blocking, Counters, Gateway};
use crate::clock::unix_ms;
use crate::execution::{execute, Context, ExecutionError, Progress, Settled, TradeIntent};
use crate::journal::{Intent, IntentState};
use crate::protocol::{ErrorBody, ErrorCode, Reply};

/// Where a request finds its `req_id` in the journal.
pub(super) enum Start {
    /// Never seen: check, journal, send.
    New,
    /// Ended in a retryable failure that executed nothing: check, journal and send again.
    Retry,
    /// Journaled and maybe sent (before a crash, or answered `outcome_unknown`).
    Pending(Box<Intent>),
}

impl Gateway {
    pub(super) async fn intent_send(self: Arc<Self>, req_id: Uuid, intent: TradeIntent) -> Reply {
        let owner = match self.in_flight.claim(req_id, &intent) {
            Claim::Owner(owner) => owner,
            Claim::Joined(first, receiver) => {
                if first != intent {
                    return conflict(req_id);
                }
                Counters::bump(&self.counters.joined_in_flight);
                return wait_for_reply(receiver).await.unwrap_or_else(|| {
                    Reply::failure(
                        Some(req_id),
                        ErrorCode::OutcomeUnknown,
                        "the first copy of this request ended without a reply; resend the same req_id",
                        true,
                    )
                });
            }
        };
        let gateway = Arc::clone(&self);
        // The claim travels with the blocking work: even if this task were dropped, the
        // `req_id` stays claimed until the terminal call is over.
        let execute = move || {
            let reply = match gateway.start(req_id, &intent) {
                Ok(start) => gateway.execute_once(req_id, intent, start),
                Err(reply) => *reply,
            };
            owner.finish(&reply);
            reply
        };
        blocking(execute, req_id).await
    }

    /// What the journal holds for `req_id`: a reply to replay (as `Err`), or how to go on.
    fn start(&self, req_id: Uuid, intent: &TradeIntent) -> Result<Start, Box<Reply>> {
        match self.journal.get(req_id) {
            Err(e) => Err(Box::new(journal_failed(req_id, &e))),
            Ok(None) => Ok(Start::New),
            Ok(Some(entry)) if entry.intent != *intent => Err(Box::new(conflict(req_id))),
            Ok(Some(entry)) => match entry.state {
                IntentState::Done {
                    retry_on_resend: true,
                    ..
                } => {
                    Counters::bump(&self.counters.retried_after_failure);
                    Ok(Start::Retry)
                }
                IntentState::Done { reply, .. } => {
                    Counters::bump(&self.counters.replayed_from_journal);
                    let reply = serde_json::from_str(&reply);
                    Err(Box::new(
                        reply.unwrap_or_else(|e| journal_failed(req_id, &e)),
                    ))
                }
                IntentState::Pending => Ok(Start::Pending(Box::new(entry))),
            },
        }
    }

    /// Runs on a blocking thread while this request owns `req_id`; each send takes the key.
    fn execute_once(&self, req_id: Uuid, intent: TradeIntent, start: Start) -> Reply {
        let now = unix_ms();
        let mut tag_only = false;
        let mut holding = false;
        let (created_ms, seen_volume, mut progress) = match start {
            Start::Pending(entry) => {
                let standing = self.standing(req_id, &entry);
                tag_only = standing == Standing::TagOnly;
                // Not its key's last sender: nothing of it is on the books, so it sends at once.
                let progress = match standing {
                    Standing::Unsent => Progress::default(),
                    _ => Progress::resumed(self.latest_send(req_id)),
                };
                (entry.created_ms, entry.seen_volume, progress)
            }
            Start::New | Start::Retry => {
                let seen_volume = match self.check(req_id, &intent) {
                    Ok(seen) => seen,
                    Err(refusal) => {
                        Counters::bump(&self.counters.bad_requests);
                        return *refusal;
                    }
                };
                // A free key is taken at once, and the entry and the key's send mark share one
                // commit. A busy one is waited for after the entry is journaled: its holder
                // hands it over with the mark in the commit that completes it.
                let key = intent.key();
                holding = self.keys.try_take(&key, req_id).is_ok();
                let begun = if holding {
                    self.journal
                        .begin_sending(req_id, &intent, seen_volume, now)
                } else {
                    self.journal.begin(req_id, &intent, seen_volume, now)
                };
                if let Err(e) = begun {
                    self.keys.release(&key, req_id);
                    return journal_failed(req_id, &e);
                }
                // A retryable failure was only answered once nothing of the intent could be on
                // the terminal: the resend starts afresh.
                (now, seen_volume, Progress::default())
            }
        };
        let gate = Gate::new(self, req_id, intent.key(), holding);
        let attributions = Attributed {
            recent: &self.attributed,
            journal: &self.journal,
        };
        let cx = Context {
            req_id,
            created_ms,
            history_lag_ms: self.config.history_lag.as_millis() as u64,
            seen_volume,
            attributions: &attributions,
            gate: &gate,
            tag_only,
        };
        let result = execute(
            &*self.terminal,
            &intent,
            &cx,
            &mut progress,
            &self.config.execution_policy,
        );
        let settled = self.settle(req_id, result, &progress);
        let Some((reply, tickets)) = settled else {
            gate.finish(true);
            // Still pending: the intent keeps its key until its outcome is found, and the next
            // look knows when it was last sent.
            let mut last_sends = self.last_sends.lock().unwrap_or_else(|p| p.into_inner());
            last_sends.insert(req_id, progress.last_send_ms.max(created_ms));
            drop(last_sends);
            Counters::bump(&self.counters.outcome_unknown);
            return Reply::failure(
                Some(req_id),
                ErrorCode::OutcomeUnknown,
                "the terminal did not say whether this executed; resend the same req_id",
                true,
            );
        };
        let next = gate.next_holder();
        let completed = match next {
            Some(next) => {
                let now = unix_ms();
                (self.journal).complete_handing_over(req_id, &reply, now, &tickets, next)
            }
            None => self.journal.complete(req_id, &reply, unix_ms(), &tickets),
        };
        match completed {
            Ok(()) => {
                gate.hand_over(next);
                self.attributed.forget(&tickets);
                self.forget_last_send(req_id);
                reply
            }
            // Still pending in the journal: it keeps its key, as one whose outcome is unknown.
            Err(e) => {
                gate.finish(true);
                journal_failed(req_id, &e)
            }
        }
    }

    /// The final reply of an execution and the tickets it took, or `None` while it may still
    /// have executed (the intent then stays pending, and the next resend or recovery reconciles
    /// it).
    fn settle(
        &self,
        req_id: Uuid,
        result: Result<Settled, ExecutionError>,
        progress: &Progress,
    ) -> Option<(Reply, Vec<u64>)> {
        let error = match result {
            Ok(settled) => {
                Counters::bump(&self.counters.orders_executed);
                if settled.reconciled {
                    Counters::bump(&self.counters.reconciled_found);
                }
                return Some((Reply::success(req_id, settled.result), settled.tickets));
            }
            // The terminal's books answered it for good, whatever was sent.
            Err(error @ ExecutionError::Final { .. }) => error,
            Err(_) if progress.maybe_sent => return None,
            Err(error) => error,
        };
        Counters::bump(&self.counters.orders_rejected);
        let body = error_body(&error, progress.attempts);
        let reply = Reply {
            req_id: Some(req_id.into()),
            ok: false,
            result: None,
            error: Some(body),
        };
        Some((reply, Vec::new()))
    }
}

/// The `error` of a reply for an execution that ended without executing.
fn error_body(error: &ExecutionError, attempts: u32) -> ErrorBody {
    let (code, retryable, retcode) = match error {
        ExecutionError::Rejected(retcode) => (retcode.name().to_owned(), false, Some(retcode)),
        ExecutionError::Transient(retcode) => (retcode.name().to_owned(), true, Some(retcode)),
        ExecutionError::UnknownSymbol(_) => (ErrorCode::UnknownSymbol.as_str().into(), false, None),
        ExecutionError::Final { code, .. } => (code.as_str().to_owned(), false, None),
        ExecutionError::KeyBusy(_) => (ErrorCode::KeyBusy.as_str().into(), true, None),
        ExecutionError::Unavailable(_)
        | ExecutionError::BreakerOpen
        | ExecutionError::Ambiguous(_)
        | ExecutionError::NotYet
        | ExecutionError::Journal(_) => {
            (ErrorCode::TerminalUnavailable.as_str().into(), true, None)
        }
    };
    let message = match error {
        ExecutionError::Transient(_) => format!("gave up after {attempts} attempts: {error}"),
        _ if retryable => format!("gave up after {attempts} attempts, nothing executed: {error}"),
        _ => error.to_string(),
    };
    ErrorBody {
        code,
        message,
        retryable,
        retcode: retcode.map(|r| r.code()),
    }
}

pub(super) fn journal_failed(req_id: Uuid, error: &dyn std::fmt::Display) -> Reply {
    tracing::error!(%error, %req_id, "journal failed");
    Reply::failure(
        Some(req_id),
        ErrorCode::Internal,
        "journal unavailable",
        true,
    )
}

fn conflict(req_id: Uuid) -> Reply {
    Reply::failure(
        Some(req_id),
        ErrorCode::ReqIdConflict,
        "this req_id was already used for a different request",
        false,
    )
}
