//! `ORDER_SEND`: at most one execution per `req_id`, one reply per request.
//!
//! The order of steps is the whole point: claim the `req_id` in memory (a concurrent resend joins
//! instead of racing), read the journal (a finished order is replayed, a pending one, or one that
//! ended in a retryable failure, is resumed with reconciliation), journal the intent, then call the terminal, then journal the reply, then
//! answer. A crash between any two steps leaves a state that [`Gateway::recover`] or the next
//! resend resolves without a second execution.

use std::sync::Arc;

use uuid::Uuid;

use super::in_flight::{wait_for_reply, Claim};
use super::{blocking, Counters, Gateway};
use crate::clock::unix_ms;
use crate::execution::{place_order, ExecutionError, OrderIntent, Progress};
use crate::journal::IntentState;
use crate::protocol::{ErrorBody, ErrorCode, OrderSpec, Reply};

impl Gateway {
    pub(super) async fn order_send(self: Arc<Self>, req_id: Uuid, order: OrderSpec) -> Reply {
        if let Some(refusal) = self.check_order(req_id, &order) {
            Counters::bump(&self.counters.bad_requests);
            return refusal;
        }
        match self.in_flight.claim(req_id, &order) {
            Claim::Joined(first, receiver) => {
                if first != order {
                    return conflict(req_id);
                }
                Counters::bump(&self.counters.joined_in_flight);
                wait_for_reply(receiver).await.unwrap_or_else(|| {
                    Reply::failure(
                        Some(req_id),
                        ErrorCode::OutcomeUnknown,
                        "the first copy of this order ended without a reply; resend the same req_id",
                        true,
                    )
                })
            }
            Claim::Owner(owner) => {
                let gateway = Arc::clone(&self);
                // The claim travels with the blocking work: even if this task were dropped, the
                // `req_id` stays claimed until the terminal call is over.
                let execute = move || {
                    let reply = gateway.execute_once(req_id, order);
                    owner.finish(&reply);
                    reply
                };
                blocking(execute, req_id).await
            }
        }
    }

    /// The gateway's own checks, before anything is journaled: the terminal would refuse these
    /// too, but a refusal here costs no journal write and no terminal call.
    fn check_order(&self, req_id: Uuid, order: &OrderSpec) -> Option<Reply> {
        let info = match self.terminal.symbol_info(&order.symbol) {
            Ok(Some(info)) => info,
            Ok(None) => {
                return Some(Reply::failure(
                    Some(req_id),
                    ErrorCode::UnknownSymbol,
                    format!("unknown symbol `{}`", order.symbol),
                    false,
                ))
            }
            Err(e) => {
                return Some(Reply::failure(
                    Some(req_id),
                    ErrorCode::TerminalUnavailable,
                    e.to_string(),
                    true,
                ))
            }
        };
        if !info.volume_is_valid(order.volume) {
            return Some(Reply::failure(
                Some(req_id),
                ErrorCode::InvalidVolume,
                format!(
                    "volume {} is off the rules of {}: min {}, max {}, step {}",
                    order.volume, info.name, info.volume_min, info.volume_max, info.volume_step
                ),
                false,
            ));
        }
        None
    }

    /// Runs on a blocking thread while this request owns `req_id`.
    fn execute_once(&self, req_id: Uuid, order: OrderSpec) -> Reply {
        let internal = |e: &dyn std::fmt::Display| {
            tracing::error!(error = %e, %req_id, "journal failed");
            Reply::failure(
                Some(req_id),
                ErrorCode::Internal,
                "journal unavailable",
                true,
            )
        };
        let mut progress = match self.journal.get(req_id) {
            Err(e) => return internal(&e),
            Ok(Some(intent)) if intent.order != order => return conflict(req_id),
            Ok(Some(intent)) => match intent.state {
                // A retryable failure executed nothing: the resend tries again. It still looks
                // the order up before sending, as after any earlier send.
                IntentState::Done {
                    retry_on_resend: true,
                    ..
                } => {
                    if let Err(e) = self.journal.begin(req_id, &order, unix_ms()) {
                        return internal(&e);
                    }
                    Counters::bump(&self.counters.retried_after_failure);
                    Progress::resumed()
                }
                IntentState::Done { reply, .. } => {
                    Counters::bump(&self.counters.replayed_from_journal);
                    return serde_json::from_str(&reply).unwrap_or_else(|e| internal(&e));
                }
                // Sent before a crash or an `outcome_unknown`: look before sending again.
                IntentState::Pending => Progress::resumed(),
            },
            Ok(None) => {
                if let Err(e) = self.journal.begin(req_id, &order, unix_ms()) {
                    return internal(&e);
                }
                Progress::default()
            }
        };
        let intent = OrderIntent { req_id, order };
        let result = place_order(
            &*self.terminal,
            &intent,
            &mut progress,
            &self.config.execution_policy,
        );
        let reply = match self.settle(req_id, result, &progress) {
            Some(reply) => reply,
            None => {
                Counters::bump(&self.counters.outcome_unknown);
                return Reply::failure(
                    Some(req_id),
                    ErrorCode::OutcomeUnknown,
                    "the terminal did not say whether the order executed; resend the same req_id",
                    true,
                );
            }
        };
        match self.journal.complete(req_id, &reply, unix_ms()) {
            Ok(()) => reply,
            Err(e) => internal(&e),
        }
    }

    /// The final reply of an execution, or `None` while it may still have executed (the intent
    /// then stays pending, and the next resend or recovery reconciles it).
    fn settle(
        &self,
        req_id: Uuid,
        result: Result<crate::execution::Execution, ExecutionError>,
        progress: &Progress,
    ) -> Option<Reply> {
        let error = match result {
            Ok(execution) => {
                Counters::bump(&self.counters.orders_executed);
                if execution.reconciled {
                    Counters::bump(&self.counters.reconciled_found);
                }
                let result = serde_json::to_value(&execution).expect("executions serialize");
                return Some(Reply::success(req_id, result));
            }
            Err(_) if progress.maybe_sent => return None,
            Err(error) => error,
        };
        Counters::bump(&self.counters.orders_rejected);
        let attempts = progress.attempts;
        let body = match &error {
            ExecutionError::Rejected(retcode) => ErrorBody {
                code: retcode.name().to_owned(),
                message: format!("{error}"),
                retryable: false,
                retcode: Some(retcode.code()),
            },
            ExecutionError::Transient(retcode) => ErrorBody {
                code: retcode.name().to_owned(),
                message: format!("gave up after {attempts} attempts: {error}"),
                retryable: true,
                retcode: Some(retcode.code()),
            },
            ExecutionError::UnknownSymbol(_) => ErrorBody {
                code: ErrorCode::UnknownSymbol.as_str().to_owned(),
                message: error.to_string(),
                retryable: false,
                retcode: None,
            },
            ExecutionError::Unavailable(_) | ExecutionError::Ambiguous(_) => ErrorBody {
                code: ErrorCode::TerminalUnavailable.as_str().to_owned(),
                message: format!("gave up after {attempts} attempts, nothing executed: {error}"),
                retryable: true,
                retcode: None,
            },
        };
        Some(Reply {
            req_id: Some(req_id.into()),
            ok: false,
            result: None,
            error: Some(body),
        })
    }
}

fn conflict(req_id: Uuid) -> Reply {
    Reply::failure(
        Some(req_id),
        ErrorCode::ReqIdConflict,
        "this req_id was already used for a different order",
        false,
    )
}
