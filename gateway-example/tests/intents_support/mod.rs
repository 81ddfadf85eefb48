//! The gateway in process over a simulated terminal whose prices stand still, for the intent
//! tests.
#![allow(dead_code)] // each test binary uses its own part of this

use std::sync::Arc;
use std::time::Duration;

use gateway_example::execution::{scaled_policy, EXECUTION_POLICY};
use gateway_example::gateway::{Gateway, GatewayConfig};
use gateway_example::journal::{Journal, DEFAULT_JOURNAL_TTL};
use gateway_example::protocol::Reply;
use gateway_example::terminal::{DealEntry, SimulatedTerminal, SimulatorOptions};
use serde_json::{json, Value};
use uuid::Uuid;

/// EURUSD's bid for every test: prices stand still (`tick_points: 0`).
pub const BID: f64 = 1.1;

pub struct Rig {
    pub terminal: Arc<SimulatedTerminal>,
    pub gateway: Arc<Gateway>,
}

pub fn config(history_lag: Duration) -> GatewayConfig {
    GatewayConfig {
        execution_policy: scaled_policy(EXECUTION_POLICY, 0.01),
        reconcile_policy: scaled_policy(EXECUTION_POLICY, 0.01),
        history_lag,
        ..GatewayConfig::default()
    }
}

pub fn still(options: SimulatorOptions) -> Arc<SimulatedTerminal> {
    let terminal = SimulatedTerminal::open(&SimulatorOptions {
        tick_points: 0,
        ..options
    })
    .unwrap();
    terminal.set_bid("EURUSD", BID).unwrap();
    Arc::new(terminal)
}

pub fn rig_with(options: SimulatorOptions, history_lag: Duration) -> Rig {
    let terminal = still(options);
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let gateway = Gateway::new(terminal.clone(), journal, config(history_lag));
    Rig { terminal, gateway }
}

pub fn rig() -> Rig {
    rig_with(SimulatorOptions::default(), Duration::from_millis(5))
}

impl Rig {
    pub async fn call(&self, action: &str, req_id: Uuid, payload: Value) -> Reply {
        let frame = json!({"action": action, "req_id": req_id, "payload": payload});
        Arc::clone(&self.gateway)
            .handle(vec![frame.to_string().into_bytes()])
            .await
    }

    pub async fn ok(&self, action: &str, req_id: Uuid, payload: Value) -> Value {
        let reply = self.call(action, req_id, payload).await;
        assert!(reply.ok, "{action}: {reply:?}");
        reply.result.unwrap()
    }

    /// Opens a EURUSD buy and returns its position ticket.
    pub async fn position(&self, volume: f64) -> u64 {
        let payload = json!({"symbol": "EURUSD", "type": "ORDER_TYPE_BUY", "volume": volume});
        let result = self.ok("ORDER_SEND", Uuid::new_v4(), payload).await;
        result["position"].as_u64().unwrap()
    }

    /// Places a EURUSD buy limit 100 pips under the market and returns its ticket.
    pub async fn buy_limit(&self) -> u64 {
        let payload = json!({"symbol": "EURUSD", "type": "ORDER_TYPE_BUY_LIMIT", "volume": 0.01,
                             "price": 1.09});
        let result = self.ok("ORDER_SEND", Uuid::new_v4(), payload).await;
        assert_eq!(result["status"], "placed");
        result["order"].as_u64().unwrap()
    }

    pub fn closing_deals(&self, position: u64) -> usize {
        let deals = self.terminal.audit_deals();
        let closing = deals.iter().filter(|d| d.entry == DealEntry::Out);
        closing.filter(|d| d.position_id == position).count()
    }
}
