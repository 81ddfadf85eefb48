//! Recovery against the simulated terminal: pending intents settled, expired or kept.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::execution::{
    order_comment, scaled_policy, TradeIntent, EXECUTION_POLICY, GATEWAY_MAGIC,
};
use crate::gateway::GatewayConfig;
use crate::journal::{IntentState, Journal, DEFAULT_JOURNAL_TTL};
use crate::protocol::OrderSpec;
use crate::terminal::{
    AccountInfo, Deal, HistoryFilter, Order, OrderType, Position, SimulatedTerminal,
    SimulatorOptions, SymbolInfo, Terminal, TerminalError, TradeAction, TradeRequest, TradeResult,
};

fn order() -> OrderSpec {
    OrderSpec::market("EURUSD", OrderType::Buy, 0.01)
}

fn open_on(symbol: &str) -> TradeIntent {
    TradeIntent::Open(OrderSpec::market(symbol, OrderType::Buy, 0.01))
}

/// What the terminal holds when a gateway died right after `order_send` executed.
fn executed_on_terminal(terminal: &SimulatedTerminal, req_id: Uuid) {
    executed_with_comment(terminal, &order_comment(req_id));
}

fn executed_with_comment(terminal: &SimulatedTerminal, comment: &str) {
    let ask = terminal.symbol_info("EURUSD").unwrap().unwrap().ask;
    terminal
        .order_send(&TradeRequest {
            volume: 0.01,
            price: ask,
            deviation: 20,
            magic: GATEWAY_MAGIC,
            comment: comment.into(),
            ..TradeRequest::blank(TradeAction::Deal, "EURUSD", OrderType::Buy)
        })
        .unwrap();
}

#[tokio::test]
async fn pending_intents_are_settled_by_what_the_terminal_holds() {
    let terminal = Arc::new(SimulatedTerminal::open(&SimulatorOptions::default()).unwrap());
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let (executed, stale, fresh) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let now = unix_ms();
    let open = TradeIntent::Open(order());
    journal.begin(executed, &open, None, now).unwrap();
    journal.mark_send(&open.key(), executed, now).unwrap();
    executed_on_terminal(&terminal, executed);
    // Each on a key of its own, never sent: nothing of them is on the books.
    journal
        .begin(stale, &open_on("GBPUSD"), None, now - 10 * 60 * 1000)
        .unwrap();
    journal.begin(fresh, &open_on("USDJPY"), None, now).unwrap();
    let config = GatewayConfig {
        execution_policy: scaled_policy(EXECUTION_POLICY, 0.001),
        reconcile_policy: scaled_policy(EXECUTION_POLICY, 0.001),
        history_lag: Duration::ZERO,
        ..GatewayConfig::default()
    };
    let gateway = Gateway::new(terminal.clone(), journal, config);

    let report = gateway.recover().unwrap();
    assert_eq!(
        report,
        RecoveryReport {
            pending: 3,
            found_executed: 1,
            answered_final: 0,
            expired_unexecuted: 1,
            left_pending: 1,
            not_sent: 2,
            ttl_removed: 0,
        }
    );
    let ask = |req_id: Uuid, symbol: &str| {
        let payload = OrderSpec::market(symbol, OrderType::Buy, 0.01);
        let body = json!({"action": "ORDER_SEND", "req_id": req_id, "payload": payload});
        Arc::clone(&gateway).handle(vec![body.to_string().into_bytes()])
    };
    // The executed order's resend gets the fill found on the terminal, not a second deal.
    let found = ask(executed, "EURUSD").await;
    assert_eq!(found.result.unwrap()["reconciled"], true);
    // The stale one was settled as never executed.
    assert_eq!(
        ask(stale, "GBPUSD").await.error_code(),
        Some("expired_unexecuted")
    );
    // The fresh one executes on its resend, once.
    assert!(ask(fresh, "USDJPY").await.ok);
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

/// A broker that rewrites comments leaves only magic, symbol, type, volume and time. Of two
/// opens pending on one key, the journal's send mark names the one that can have executed: it
/// takes the record that fits, and the other is known never to have been sent.
#[test]
fn the_keys_marked_sender_takes_an_untagged_record_and_the_others_never_sent() {
    let config = GatewayConfig {
        reconcile_policy: scaled_policy(EXECUTION_POLICY, 0.001),
        history_lag: Duration::ZERO,
        ..GatewayConfig::default()
    };
    let terminal = Arc::new(SimulatedTerminal::open(&SimulatorOptions::default()).unwrap());
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let (sent, queued) = (Uuid::new_v4(), Uuid::new_v4());
    let now = unix_ms();
    let open = open_on("EURUSD");
    journal.begin(sent, &open, None, now).unwrap();
    journal.begin(queued, &open, None, now).unwrap();
    journal.mark_send(&open.key(), sent, now).unwrap();
    executed_with_comment(&terminal, "rewritten by the broker");
    let gateway = Gateway::new(terminal, journal, config);
    let report = gateway.recover().unwrap();
    assert_eq!(
        (report.found_executed, report.not_sent, report.left_pending),
        (1, 1, 1),
        "{report:?}"
    );
    let pending = gateway.journal.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].0, queued);
    assert!(
        gateway.keys.try_take(&open.key(), Uuid::new_v4()).is_ok(),
        "the key is free"
    );
}

/// A journal written before send marks cannot say which of two opens pending on one key was
/// sent: neither takes an untagged record, nor is either declared unexecuted; a lone one takes
/// the record that fits.
#[test]
fn unmarked_intents_sharing_a_key_take_no_untagged_record() {
    let config = GatewayConfig {
        reconcile_policy: scaled_policy(EXECUTION_POLICY, 0.001),
        history_lag: Duration::ZERO,
        ..GatewayConfig::default()
    };
    let terminal = Arc::new(SimulatedTerminal::open(&SimulatorOptions::default()).unwrap());
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let now = unix_ms();
    let open = open_on("EURUSD");
    journal.begin_without_send_marks(a, &open, now).unwrap();
    journal.begin_without_send_marks(b, &open, now).unwrap();
    executed_with_comment(&terminal, "rewritten by the broker");
    let gateway = Gateway::new(terminal.clone(), journal, config.clone());
    let report = gateway.recover().unwrap();
    assert_eq!((report.pending, report.left_pending), (2, 2), "{report:?}");
    assert_eq!(gateway.journal.pending().unwrap().len(), 2);

    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    journal.begin_without_send_marks(a, &open, now).unwrap();
    let gateway = Gateway::new(terminal, journal, config);
    let report = gateway.recover().unwrap();
    assert_eq!(report.found_executed, 1, "{report:?}");
}

#[tokio::test(start_paused = true)]
async fn the_sweep_settles_orders_whose_clients_went_away() {
    let terminal = Arc::new(SimulatedTerminal::open(&SimulatorOptions::default()).unwrap());
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let abandoned = Uuid::new_v4();
    // Pending, never executed, and its client stopped resending long ago.
    journal
        .begin(abandoned, &TradeIntent::Open(order()), None, 0)
        .unwrap();
    let config = GatewayConfig {
        history_lag: Duration::ZERO,
        ..GatewayConfig::default()
    };
    let gateway = Gateway::new(terminal, journal, config);
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

/// A terminal that never answers, counting the calls made to it.
#[derive(Default)]
struct Unreachable {
    calls: AtomicUsize,
}

impl Unreachable {
    fn down<T>(&self) -> Result<T, TerminalError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Err(TerminalError::Timeout)
    }
}

impl Terminal for Unreachable {
    fn order_send(&self, _: &TradeRequest) -> Result<TradeResult, TerminalError> {
        self.down()
    }
    fn history_deals_get(&self, _: &HistoryFilter) -> Result<Vec<Deal>, TerminalError> {
        self.down()
    }
    fn history_orders_get(&self, _: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        self.down()
    }
    fn orders_get(&self, _: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        self.down()
    }
    fn positions_get(&self, _: &HistoryFilter) -> Result<Vec<Position>, TerminalError> {
        self.down()
    }
    fn symbol_info(&self, _: &str) -> Result<Option<SymbolInfo>, TerminalError> {
        self.down()
    }
    fn account_info(&self) -> Result<AccountInfo, TerminalError> {
        self.down()
    }
}

/// Calls a recovery pass makes to an unreachable terminal with `pending` intents journaled.
fn calls_to_an_unreachable_terminal(pending: usize) -> (RecoveryReport, usize) {
    let terminal = Arc::new(Unreachable::default());
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let symbols = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "EURCHF"];
    for symbol in &symbols[..pending] {
        let (req_id, open) = (Uuid::new_v4(), open_on(symbol));
        journal.begin(req_id, &open, None, unix_ms()).unwrap();
        journal.mark_send(&open.key(), req_id, unix_ms()).unwrap();
    }
    let config = GatewayConfig {
        // Retries bounded by count alone: a 3 ms total budget, or a budget other tests of this
        // process drain, would make the count depend on the machine's speed.
        reconcile_policy: scaled_policy(EXECUTION_POLICY, 0.0001)
            .to_builder()
            .no_timeout()
            .no_budget()
            .build()
            .unwrap(),
        history_lag: Duration::ZERO,
        ..GatewayConfig::default()
    };
    let gateway = Gateway::new(terminal.clone(), journal, config);
    let report = gateway.recover().unwrap();
    let calls = terminal.calls.load(Ordering::Relaxed);
    (report, calls)
}

/// A gateway started while its terminal is down must not spend a whole reconciliation budget
/// on each pending intent before it serves: once one intent finds the terminal unreachable, the
/// pass leaves the others pending (keeping their keys) for the client's resend or the sweep.
#[test]
fn an_unreachable_terminal_costs_one_intents_retries_per_pass_not_one_per_intent() {
    let (_, one) = calls_to_an_unreachable_terminal(1);
    assert!(one > 1, "the lone intent's lookup was retried: {one} calls");
    let (report, five) = calls_to_an_unreachable_terminal(5);
    assert_eq!((report.pending, report.left_pending), (5, 5), "{report:?}");
    assert_eq!(
        five, one,
        "five pending intents made {five} calls, one made {one}"
    );
}
