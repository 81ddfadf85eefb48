//! Start-up after a crash: every pending intent is reconciled against the terminal before the
//! gateway serves anyone.
//!
//! An intent found executed is completed with its fill, so the client's resend gets it. One not
//! found stays pending while its client may still be resending (the resend reconciles again and
//! then executes); past the client window it is completed as expired, because nobody is waiting
//! for it and a fill now would be a surprise.

use std::time::Duration;

use serde::Serialize;

use super::Gateway;
use crate::clock::unix_ms;
use crate::execution::{reconcile_with_retries, OrderIntent};
use crate::journal::JournalError;
use crate::protocol::{ErrorCode, Reply};

/// What [`Gateway::recover`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecoveryReport {
    /// Pending intents found in the journal.
    pub pending: usize,
    /// Of those, found executed on the terminal and completed.
    pub found_executed: usize,
    /// Of those, not executed and past the client window: completed as expired.
    pub expired_unexecuted: usize,
    /// Of those, left pending for the client's resend (not executed, or the terminal unreachable).
    pub left_pending: usize,
    /// Done entries removed for age.
    pub ttl_removed: usize,
}

impl Gateway {
    /// Reconciles every pending intent that no request is executing now, then drops expired
    /// entries. Run it before serving after a restart, and now and then while serving.
    pub fn recover(&self) -> Result<RecoveryReport, JournalError> {
        let mut report = RecoveryReport::default();
        let window_ms = self.config.client_window.as_millis() as u64;
        for (req_id, intent) in self.journal.pending()? {
            if self.in_flight.contains(req_id) {
                continue;
            }
            report.pending += 1;
            let order_intent = OrderIntent {
                req_id,
                order: intent.order.clone(),
            };
            let found = reconcile_with_retries(
                &*self.terminal,
                &order_intent,
                &self.config.reconcile_policy,
            );
            let now = unix_ms();
            let reply = match found {
                Ok(Some(execution)) => {
                    report.found_executed += 1;
                    let result = serde_json::to_value(&execution).expect("executions serialize");
                    Reply::success(req_id, result)
                }
                Ok(None) if now.saturating_sub(intent.created_ms) > window_ms => {
                    report.expired_unexecuted += 1;
                    Reply::failure(
                        Some(req_id),
                        ErrorCode::EXPIRED_UNEXECUTED,
                        "the gateway restarted; this order never executed and its retry window has passed",
                        false,
                    )
                }
                Ok(None) | Err(_) => {
                    report.left_pending += 1;
                    continue;
                }
            };
            self.journal
                .complete(req_id, &String::from_utf8_lossy(&reply.to_bytes()), now)?;
        }
        report.ttl_removed = self.journal.expire(unix_ms())?;
        if report.pending > 0 {
            tracing::info!(?report, "reconciled pending orders");
        }
        Ok(report)
    }

    /// How often a serving gateway re-runs [`Gateway::recover`].
    pub fn sweep_interval(&self) -> Duration {
        self.config.client_window
    }
}
