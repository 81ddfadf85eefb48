//! A recovery pass reads the pending intents once, then judges them one by one: an intent that a
//! request settled in between keeps the reply its client got, the only final reply of its
//! `req_id`.

use std::sync::{Mutex, OnceLock};

use serde_json::json;

use super::*;
use crate::execution::{scaled_policy, TradeIntent, EXECUTION_POLICY};
use crate::gateway::GatewayConfig;
use crate::journal::{IntentState, Journal, DEFAULT_JOURNAL_TTL};
use crate::protocol::OrderSpec;
use crate::terminal::{
    AccountInfo, Deal, HistoryFilter, Order, OrderType, Position, SimulatedTerminal,
    SimulatorOptions, SymbolInfo, Terminal, TerminalError, TradeRequest, TradeResult,
};

type Hook = Box<dyn FnOnce() + Send>;

/// The simulator, running `hook` once, at the first history lookup.
struct Hooked {
    inner: SimulatedTerminal,
    hook: Mutex<Option<Hook>>,
}

impl Terminal for Hooked {
    fn order_send(&self, request: &TradeRequest) -> Result<TradeResult, TerminalError> {
        self.inner.order_send(request)
    }
    fn history_deals_get(&self, filter: &HistoryFilter) -> Result<Vec<Deal>, TerminalError> {
        let hook = self.hook.lock().unwrap().take();
        if let Some(hook) = hook {
            hook();
        }
        self.inner.history_deals_get(filter)
    }
    fn history_orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        self.inner.history_orders_get(filter)
    }
    fn orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        self.inner.orders_get(filter)
    }
    fn positions_get(&self, filter: &HistoryFilter) -> Result<Vec<Position>, TerminalError> {
        self.inner.positions_get(filter)
    }
    fn symbol_info(&self, symbol: &str) -> Result<Option<SymbolInfo>, TerminalError> {
        self.inner.symbol_info(symbol)
    }
    fn account_info(&self) -> Result<AccountInfo, TerminalError> {
        self.inner.account_info()
    }
}

#[test]
fn an_intent_settled_during_a_recovery_pass_keeps_its_reply() {
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let now = unix_ms();
    let buy = |symbol| TradeIntent::Open(OrderSpec::market(symbol, OrderType::Buy, 0.01));
    // Both journaled long ago: `first` was sent and is judged first; `late`, never sent, is
    // resent by its client while the pass looks `first` up on the terminal.
    let (first, late) = (Uuid::new_v4(), Uuid::new_v4());
    journal
        .begin(first, &buy("EURUSD"), None, now - 700_000)
        .unwrap();
    journal
        .mark_send(&buy("EURUSD").key(), first, now - 700_000)
        .unwrap();
    journal
        .begin(late, &buy("GBPUSD"), None, now - 600_000)
        .unwrap();
    let gateway_cell: Arc<OnceLock<Arc<Gateway>>> = Arc::default();
    let client_got = Arc::new(Mutex::new(None));
    let resend: Hook = {
        let (gateway_cell, client_got) = (Arc::clone(&gateway_cell), Arc::clone(&client_got));
        Box::new(move || {
            let gateway = Arc::clone(gateway_cell.get().unwrap());
            let body = json!({"action": "ORDER_SEND", "req_id": late,
                              "payload": {"symbol": "GBPUSD", "type": "OP_BUY", "volume": 0.01}});
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let reply = runtime.block_on(gateway.handle(vec![body.to_string().into_bytes()]));
            *client_got.lock().unwrap() = Some(reply);
        })
    };
    let terminal = Arc::new(Hooked {
        inner: SimulatedTerminal::open(&SimulatorOptions::default()).unwrap(),
        hook: Mutex::new(Some(resend)),
    });
    let config = GatewayConfig {
        reconcile_policy: scaled_policy(EXECUTION_POLICY, 0.001),
        execution_policy: scaled_policy(EXECUTION_POLICY, 0.001),
        history_lag: Duration::ZERO,
        ..GatewayConfig::default()
    };
    let gateway = Gateway::new(terminal, journal, config);
    let _ = gateway_cell.set(Arc::clone(&gateway));

    let report = gateway.recover().unwrap();
    let client_got = client_got.lock().unwrap().take().expect("the resend ran");
    assert!(client_got.ok, "{client_got:?}");
    let stored = match gateway.journal.get(late).unwrap().unwrap().state {
        IntentState::Done { reply, .. } => reply,
        IntentState::Pending => panic!("left pending"),
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stored).unwrap(),
        serde_json::to_value(&client_got).unwrap(),
        "the journal replays what the client got"
    );
    // Only `first` was judged: sent, nothing on the books, long past its window.
    assert_eq!(
        (report.pending, report.expired_unexecuted),
        (1, 1),
        "{report:?}"
    );
}
