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

use super::in_flight::Claim;
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
            // Claim the order like a request would: a resend arriving meanwhile waits for this
            // verdict instead of executing alongside it.
            let owner = match self.in_flight.claim(req_id, &intent.order) {
                Claim::Owner(owner) => owner,
                Claim::Joined(..) => continue,
            };
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
                        ErrorCode::ExpiredUnexecuted,
                        "the gateway restarted; this order never executed and its retry window has passed",
                        false,
                    )
                }
                // Dropping the claim unfinished sends any waiting resend back with
                // `outcome_unknown`; its next copy executes (after one more lookup).
                Ok(None) | Err(_) => {
                    report.left_pending += 1;
                    continue;
                }
            };
            self.journal.complete(req_id, &reply, now)?;
            owner.finish(&reply);
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
mod tests {
    use serde_json::json;
    use uuid::Uuid;

    use super::*;
    use crate::execution::{order_comment, scaled_policy, EXECUTION_POLICY, GATEWAY_MAGIC};
    use crate::gateway::GatewayConfig;
    use crate::journal::{IntentState, Journal, DEFAULT_JOURNAL_TTL};
    use crate::protocol::OrderSpec;
    use crate::terminal::{
        OrderTime, OrderType, SimulatedTerminal, SimulatorOptions, Terminal, TradeAction,
        TradeRequest,
    };

    fn order() -> OrderSpec {
        OrderSpec::market("EURUSD", OrderType::Buy, 0.01)
    }

    /// What the terminal holds when a gateway died right after `order_send` executed.
    fn executed_on_terminal(terminal: &SimulatedTerminal, req_id: Uuid) {
        let ask = terminal.symbol_info("EURUSD").unwrap().unwrap().ask;
        terminal
            .order_send(&TradeRequest {
                action: TradeAction::Deal,
                symbol: "EURUSD".into(),
                volume: 0.01,
                order_type: OrderType::Buy,
                price: ask,
                stoplimit: 0.0,
                sl: 0.0,
                tp: 0.0,
                deviation: 20,
                type_filling: Default::default(),
                magic: GATEWAY_MAGIC,
                comment: order_comment(req_id),
                type_time: OrderTime::Gtc,
                expiration: 0,
                position: 0,
                order: 0,
            })
            .unwrap();
    }

    #[tokio::test]
    async fn pending_intents_are_settled_by_what_the_terminal_holds() {
        let terminal = Arc::new(SimulatedTerminal::open(&SimulatorOptions::default()).unwrap());
        let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
        let (executed, stale, fresh) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let now = unix_ms();
        journal.begin(executed, &order(), now).unwrap();
        executed_on_terminal(&terminal, executed);
        journal
            .begin(stale, &order(), now - 10 * 60 * 1000)
            .unwrap();
        journal.begin(fresh, &order(), now).unwrap();
        let config = GatewayConfig {
            execution_policy: scaled_policy(EXECUTION_POLICY, 0.001),
            reconcile_policy: scaled_policy(EXECUTION_POLICY, 0.001),
            ..GatewayConfig::default()
        };
        let gateway = Gateway::new(terminal.clone(), journal, config);

        let report = gateway.recover().unwrap();
        assert_eq!(
            report,
            RecoveryReport {
                pending: 3,
                found_executed: 1,
                expired_unexecuted: 1,
                left_pending: 1,
                ttl_removed: 0,
            }
        );
        let ask = |req_id: Uuid| {
            let body = json!({"action": "ORDER_SEND", "req_id": req_id, "payload": order()});
            Arc::clone(&gateway).handle(vec![body.to_string().into_bytes()])
        };
        // The executed order's resend gets the fill found on the terminal, not a second deal.
        let found = ask(executed).await;
        assert_eq!(found.result.unwrap()["reconciled"], true);
        // The stale one was settled as never executed.
        assert_eq!(ask(stale).await.error_code(), Some("expired_unexecuted"));
        // The fresh one executes on its resend, once.
        assert!(ask(fresh).await.ok);
        let deals = terminal.audit_deals();
        assert_eq!(deals.len(), 2);
        assert_eq!(
            deals
                .iter()
                .filter(|d| d.comment == order_comment(fresh))
                .count(),
            1
        );
        assert!(gateway.journal.pending().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn the_sweep_settles_orders_whose_clients_went_away() {
        let terminal = Arc::new(SimulatedTerminal::open(&SimulatorOptions::default()).unwrap());
        let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
        let abandoned = Uuid::new_v4();
        // Pending, never executed, and its client stopped resending long ago.
        journal.begin(abandoned, &order(), 0).unwrap();
        let gateway = Gateway::new(terminal, journal, GatewayConfig::default());
        let sweeper = tokio::spawn(sweep_forever(Arc::clone(&gateway)));
        tokio::time::sleep(gateway.sweep_interval() / 2).await;
        assert_eq!(
            gateway.journal.pending().unwrap().len(),
            1,
            "not before the interval"
        );
        tokio::time::sleep(gateway.sweep_interval()).await;
        assert!(
            gateway.journal.pending().unwrap().is_empty(),
            "settled by the sweep"
        );
        let settled = gateway.journal.get(abandoned).unwrap().unwrap();
        assert!(
            matches!(settled.state, IntentState::Done { ref reply, .. } if reply.contains("expired_unexecuted"))
        );
        sweeper.abort();
    }
}
