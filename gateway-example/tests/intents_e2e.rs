//! Every kind of intent through the gateway's exactly-once pipeline, against the simulated
//! terminal's real books: an ambiguous open, close, modification or cancel is reconciled and
//! never applied twice, a resend replays, a gateway that died between journal entry and reply
//! is recovered, and neither a broker that rewrites comments nor a lagging history fools it.

use std::sync::Arc;
use std::time::Duration;

use gateway_example::execution::{scaled_policy, TradeIntent, EXECUTION_POLICY, GATEWAY_MAGIC};
use gateway_example::gateway::{Gateway, GatewayConfig};
use gateway_example::journal::{Journal, DEFAULT_JOURNAL_TTL};
use gateway_example::protocol::{CancelSpec, CloseSpec, ModifySpec, Reply};
use gateway_example::terminal::{
    DealEntry, Fault, ModificationKind, OrderState, OrderType, SimulatedTerminal, SimulatorOptions,
    Terminal, TradeAction, TradeRequest,
};
use serde_json::{json, Value};
use uuid::Uuid;

/// EURUSD's bid for every test: prices stand still (`tick_points: 0`).
const BID: f64 = 1.1;

struct Rig {
    terminal: Arc<SimulatedTerminal>,
    gateway: Arc<Gateway>,
}

fn config(history_lag: Duration) -> GatewayConfig {
    GatewayConfig {
        execution_policy: scaled_policy(EXECUTION_POLICY, 0.01),
        reconcile_policy: scaled_policy(EXECUTION_POLICY, 0.01),
        history_lag,
        ..GatewayConfig::default()
    }
}

fn still(options: SimulatorOptions) -> Arc<SimulatedTerminal> {
    let terminal = SimulatedTerminal::open(&SimulatorOptions {
        tick_points: 0,
        ..options
    })
    .unwrap();
    terminal.set_bid("EURUSD", BID).unwrap();
    Arc::new(terminal)
}

fn rig_with(options: SimulatorOptions, history_lag: Duration) -> Rig {
    let terminal = still(options);
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let gateway = Gateway::new(terminal.clone(), journal, config(history_lag));
    Rig { terminal, gateway }
}

fn rig() -> Rig {
    rig_with(SimulatorOptions::default(), Duration::from_millis(5))
}

impl Rig {
    async fn call(&self, action: &str, req_id: Uuid, payload: Value) -> Reply {
        let frame = json!({"action": action, "req_id": req_id, "payload": payload});
        Arc::clone(&self.gateway)
            .handle(vec![frame.to_string().into_bytes()])
            .await
    }

    async fn ok(&self, action: &str, req_id: Uuid, payload: Value) -> Value {
        let reply = self.call(action, req_id, payload).await;
        assert!(reply.ok, "{action}: {reply:?}");
        reply.result.unwrap()
    }

    /// Opens a EURUSD buy and returns its position ticket.
    async fn position(&self, volume: f64) -> u64 {
        let payload = json!({"symbol": "EURUSD", "type": "ORDER_TYPE_BUY", "volume": volume});
        let result = self.ok("ORDER_SEND", Uuid::new_v4(), payload).await;
        result["position"].as_u64().unwrap()
    }

    /// Places a EURUSD buy limit 100 pips under the market and returns its ticket.
    async fn buy_limit(&self) -> u64 {
        let payload = json!({"symbol": "EURUSD", "type": "ORDER_TYPE_BUY_LIMIT", "volume": 0.01,
                             "price": 1.09});
        let result = self.ok("ORDER_SEND", Uuid::new_v4(), payload).await;
        assert_eq!(result["status"], "placed");
        result["order"].as_u64().unwrap()
    }

    fn closing_deals(&self, position: u64) -> usize {
        let deals = self.terminal.audit_deals();
        let closing = deals.iter().filter(|d| d.entry == DealEntry::Out);
        closing.filter(|d| d.position_id == position).count()
    }
}

#[tokio::test]
async fn an_ambiguous_close_is_reconciled_and_never_applied_twice() {
    let rig = rig();
    let position = rig.position(0.04).await;
    rig.terminal.inject([Fault::ExecutedThenReplyLost]);
    let part = Uuid::new_v4();
    let payload = json!({"position": position, "volume": 0.02});
    let closed = rig.ok("POSITION_CLOSE", part, payload.clone()).await;
    assert_eq!(closed["status"], "partially_closed", "{closed}");
    assert_eq!(closed["reconciled"], true);
    assert_eq!(closed["remaining_volume"], 0.02);
    assert_eq!(rig.terminal.audit_positions()[0].volume, 0.02);
    // The same req_id again replays; nothing more is closed.
    assert_eq!(rig.ok("POSITION_CLOSE", part, payload).await, closed);
    assert_eq!(rig.closing_deals(position), 1);
    // ORDER_STATUS knows every kind: the journal's entry and the position's deals.
    let status = rig
        .ok("ORDER_STATUS", Uuid::new_v4(), json!({"req_id": part}))
        .await;
    assert_eq!(
        (&status["state"], &status["intent"]["kind"]),
        (&json!("done"), &json!("close"))
    );
    assert_eq!(status["reply"]["result"], closed);
    assert_eq!(
        status["deals"].as_array().unwrap().len(),
        2,
        "opening and closing"
    );

    rig.terminal.inject([Fault::ExecutedThenTimeoutRetcode]);
    let whole = rig
        .ok(
            "POSITION_CLOSE",
            Uuid::new_v4(),
            json!({"position": position}),
        )
        .await;
    assert_eq!(
        (&whole["status"], &whole["reconciled"]),
        (&json!("closed"), &json!(true))
    );
    assert!(rig.terminal.audit_positions().is_empty());
    assert_eq!(rig.closing_deals(position), 2);
    let gone = rig
        .call(
            "POSITION_CLOSE",
            Uuid::new_v4(),
            json!({"position": position}),
        )
        .await;
    assert_eq!(gone.error_code(), Some("unknown_position"), "{gone:?}");
}

/// `DEAL_REASON_SL`: a close that may have been sent when its position's stop loss fired is
/// answered `position_closed` (not retried, not counted as done), and nothing closes twice.
#[tokio::test]
async fn a_close_overtaken_by_the_stop_loss_is_answered_position_closed() {
    let terminal = still(SimulatorOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let position = {
        let journal = Journal::open(Some(dir.path()), DEFAULT_JOURNAL_TTL).unwrap();
        let gateway = Gateway::new(terminal.clone(), journal, config(Duration::ZERO));
        let rig = Rig {
            terminal: terminal.clone(),
            gateway,
        };
        let payload = json!({"symbol": "EURUSD", "type": "ORDER_TYPE_BUY", "volume": 0.02,
                             "sl": 1.09});
        let opened = rig.ok("ORDER_SEND", Uuid::new_v4(), payload).await;
        opened["position"].as_u64().unwrap()
    };
    // The close was journaled, then the gateway died; meanwhile the stop loss fired.
    let journal = Journal::open(Some(dir.path()), DEFAULT_JOURNAL_TTL).unwrap();
    let close = Uuid::new_v4();
    let spec = CloseSpec {
        position,
        volume: None,
        deviation: 20,
        type_filling: None,
        comment: None,
    };
    let now = gateway_example::clock::unix_ms();
    journal
        .begin(close, &TradeIntent::Close(spec.clone()), Some(0.02), now)
        .unwrap();
    terminal.set_bid("EURUSD", 1.085).unwrap();
    let gateway = Gateway::new(terminal.clone(), journal, config(Duration::ZERO));
    let report = gateway.recover().unwrap();
    assert_eq!(report.answered_final, 1, "{report:?}");
    let rig = Rig { terminal, gateway };
    let reply = rig
        .call(
            "POSITION_CLOSE",
            close,
            serde_json::to_value(&spec).unwrap(),
        )
        .await;
    assert_eq!(reply.error_code(), Some("position_closed"), "{reply:?}");
    assert!(reply.error.unwrap().message.contains("DEAL_REASON_SL"));
    assert_eq!(rig.closing_deals(position), 1);
}

#[tokio::test]
async fn an_ambiguous_modification_is_applied_once_and_a_resend_replays() {
    let rig = rig();
    let position = rig.position(0.01).await;
    let target = json!({"position": position, "sl": 1.09, "tp": 1.11});
    rig.terminal.inject([Fault::ExecutedThenReplyLost]);
    let first = Uuid::new_v4();
    let done = rig.ok("ORDER_MODIFY", first, target.clone()).await;
    assert_eq!(
        (&done["status"], &done["reconciled"]),
        (&json!("modified"), &json!(true))
    );
    assert_eq!(rig.ok("ORDER_MODIFY", first, target.clone()).await, done);
    // Another request for the same target finds it already there and sends nothing.
    let again = rig.ok("ORDER_MODIFY", Uuid::new_v4(), target).await;
    assert_eq!(again["reconciled"], true);
    let sltp = rig.terminal.audit_modifications();
    assert_eq!(sltp.len(), 1, "{sltp:?}");
    assert_eq!(
        (sltp[0].kind, sltp[0].sl, sltp[0].tp),
        (ModificationKind::Sltp, 1.09, 1.11)
    );

    let order = rig.buy_limit().await;
    rig.terminal.inject([Fault::ExecutedThenTimeoutRetcode]);
    let moved = json!({"order": order, "price": 1.08, "sl": 1.07});
    let done = rig.ok("ORDER_MODIFY", Uuid::new_v4(), moved).await;
    assert_eq!(done["reconciled"], true, "{done}");
    let book = rig.terminal.audit_orders();
    assert_eq!((book[0].price_open, book[0].sl), (1.08, 1.07));
    assert_eq!(rig.terminal.audit_modifications().len(), 2);
}

#[tokio::test]
async fn an_ambiguous_cancel_is_reconciled_and_a_filled_order_is_not_cancelled() {
    let rig = rig();
    let order = rig.buy_limit().await;
    rig.terminal.inject([Fault::ExecutedThenTimeoutRetcode]);
    let cancel = Uuid::new_v4();
    let done = rig
        .ok("ORDER_CANCEL", cancel, json!({"order": order}))
        .await;
    assert_eq!(
        (&done["status"], &done["reconciled"]),
        (&json!("cancelled"), &json!(true))
    );
    assert_eq!(
        rig.ok("ORDER_CANCEL", cancel, json!({"order": order}))
            .await,
        done
    );
    let history = rig.terminal.audit_history_orders();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, OrderState::Canceled);
    let removes = rig.terminal.audit_modifications();
    assert_eq!(removes.len(), 1, "{removes:?}");

    let filled = rig.buy_limit().await;
    rig.terminal.set_bid("EURUSD", 1.0895).unwrap();
    let reply = rig
        .call("ORDER_CANCEL", Uuid::new_v4(), json!({"order": filled}))
        .await;
    assert_eq!(reply.error_code(), Some("order_filled"), "{reply:?}");
    assert_eq!(rig.terminal.audit_positions().len(), 1);
}

/// The gateway died after each send reached the terminal and before it journaled the reply:
/// the restarted gateway finds each intent executed, once, and answers its resend with that.
#[tokio::test]
async fn a_crash_between_journal_and_reply_is_recovered_for_every_kind() {
    let terminal = still(SimulatorOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let (position, order) = {
        let journal = Journal::open(Some(dir.path()), DEFAULT_JOURNAL_TTL).unwrap();
        let first = Gateway::new(terminal.clone(), journal, config(Duration::ZERO));
        let rig = Rig {
            terminal: terminal.clone(),
            gateway: first,
        };
        (rig.position(0.02).await, rig.buy_limit().await)
    };
    let journal = Journal::open(Some(dir.path()), DEFAULT_JOURNAL_TTL).unwrap();
    let (close, modify, cancel) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let close_spec = CloseSpec {
        position,
        volume: Some(0.01),
        deviation: 20,
        type_filling: None,
        comment: None,
    };
    let modify_spec = ModifySpec::Position {
        position,
        sl: 1.09,
        tp: 0.0,
    };
    let now = gateway_example::clock::unix_ms();
    journal
        .begin(
            close,
            &TradeIntent::Close(close_spec.clone()),
            Some(0.02),
            now,
        )
        .unwrap();
    journal
        .begin(modify, &TradeIntent::Modify(modify_spec.clone()), None, now)
        .unwrap();
    journal
        .begin(
            cancel,
            &TradeIntent::Cancel(CancelSpec { order }),
            None,
            now,
        )
        .unwrap();
    // What each send did before the gateway died.
    let request = |action, volume, order_type, sl| TradeRequest {
        action,
        symbol: "EURUSD".into(),
        volume,
        order_type,
        price: BID,
        stoplimit: 0.0,
        sl,
        tp: 0.0,
        deviation: 20,
        type_filling: gateway_example::terminal::Filling::Ioc,
        type_time: Default::default(),
        expiration: 0,
        magic: GATEWAY_MAGIC,
        comment: String::new(),
        position: if action == TradeAction::Remove {
            0
        } else {
            position
        },
        order: if action == TradeAction::Remove {
            order
        } else {
            0
        },
    };
    for sent in [
        request(TradeAction::Deal, 0.01, OrderType::Sell, 0.0),
        request(TradeAction::Sltp, 0.0, OrderType::Buy, 1.09),
        request(TradeAction::Remove, 0.0, OrderType::BuyLimit, 0.0),
    ] {
        let result = terminal.order_send(&sent).unwrap();
        assert!(result.retcode.code() == 10009, "{sent:?}: {result:?}");
    }
    let gateway = Gateway::new(terminal.clone(), journal, config(Duration::ZERO));
    let report = gateway.recover().unwrap();
    assert_eq!(
        (report.pending, report.found_executed),
        (3, 3),
        "{report:?}"
    );
    let rig = Rig { terminal, gateway };
    let closed = rig
        .ok(
            "POSITION_CLOSE",
            close,
            serde_json::to_value(&close_spec).unwrap(),
        )
        .await;
    assert_eq!(
        (&closed["reconciled"], &closed["remaining_volume"]),
        (&json!(true), &json!(0.01))
    );
    let modified = rig
        .ok(
            "ORDER_MODIFY",
            modify,
            serde_json::to_value(&modify_spec).unwrap(),
        )
        .await;
    assert_eq!(modified["reconciled"], true);
    let cancelled = rig
        .ok("ORDER_CANCEL", cancel, json!({"order": order}))
        .await;
    assert_eq!(cancelled["reconciled"], true);
    assert_eq!(rig.closing_deals(position), 1);
    assert_eq!(
        rig.terminal.audit_modifications().len(),
        2,
        "one SLTP, one REMOVE"
    );
}

/// A broker that rewrites every comment (`#<ticket>`) leaves the gateway's tag useless, and a
/// client may bring its own comment and magic: each ambiguous open is still found once, by
/// magic, symbol, type, volume and time, and never in a record another open took.
#[tokio::test]
async fn rewritten_comments_and_the_clients_own_still_reconcile_opens_once() {
    let options = SimulatorOptions {
        rewrite_comments: Some("#{ticket}".into()),
        ..SimulatorOptions::default()
    };
    let rig = rig_with(options, Duration::from_millis(5));
    let own = json!({"symbol": "EURUSD", "type": "ORDER_TYPE_BUY", "volume": 0.02,
                     "magic": 42, "comment": "grid level 3"});
    let tagged = json!({"symbol": "EURUSD", "type": "ORDER_TYPE_BUY", "volume": 0.02});
    let mut tickets = Vec::new();
    for (payload, fault) in [
        (&own, Fault::ExecutedThenReplyLost),
        (&tagged, Fault::ExecutedThenTimeoutRetcode),
        (&own, Fault::ExecutedThenDisconnected),
        (&tagged, Fault::ExecutedThenErrorRetcode),
    ] {
        rig.terminal.inject([fault]);
        let result = rig.ok("ORDER_SEND", Uuid::new_v4(), payload.clone()).await;
        assert_eq!(result["reconciled"], true, "{fault:?}: {result}");
        tickets.push(result["order"].as_u64().unwrap());
    }
    let deals = rig.terminal.audit_deals();
    assert_eq!(deals.len(), 4, "{deals:?}");
    tickets.sort_unstable();
    tickets.dedup();
    assert_eq!(tickets.len(), 4, "each open found its own deal");
    let magics: Vec<u64> = deals.iter().map(|d| d.magic).collect();
    assert_eq!(magics, [42, GATEWAY_MAGIC, 42, GATEWAY_MAGIC]);
}

/// A terminal whose history lags: nothing missing from it counts as "not executed" before the
/// gateway's bound has passed, so an open whose send may have gone through is not resent early,
/// and once the bound has passed it is sent exactly once.
#[tokio::test]
async fn a_lagging_history_does_not_make_an_open_look_unexecuted() {
    let lag = Duration::from_millis(400);
    let options = SimulatorOptions {
        history_lag: lag,
        ..SimulatorOptions::default()
    };
    let rig = rig_with(options, lag);
    // Executed, answer lost, and the deal not in the history yet: the position shows it.
    rig.terminal.inject([Fault::ExecutedThenReplyLost]);
    let payload = json!({"symbol": "EURUSD", "type": "ORDER_TYPE_BUY", "volume": 0.01});
    let found = rig.ok("ORDER_SEND", Uuid::new_v4(), payload.clone()).await;
    assert_eq!(found["reconciled"], true);
    assert_eq!(rig.terminal.audit_deals().len(), 1);
    // Not executed, but nothing can say so before the bound: the 300 ms budget ends unknown.
    rig.terminal.inject([Fault::ConnectionLostBeforeSend]);
    let unsure = Uuid::new_v4();
    let first = rig.call("ORDER_SEND", unsure, payload.clone()).await;
    assert_eq!(first.error_code(), Some("outcome_unknown"), "{first:?}");
    assert_eq!(rig.terminal.audit_deals().len(), 1);
    tokio::time::sleep(lag).await;
    let sent = rig.ok("ORDER_SEND", unsure, payload).await;
    assert_eq!(sent["reconciled"], false);
    assert_eq!(rig.terminal.audit_deals().len(), 2);
}

/// An intent left pending (its outcome unknown) keeps its key; the next intent on that key finds
/// out what became of it instead of waiting for its client to resend, then goes ahead.
#[tokio::test]
async fn an_unsettled_intent_on_a_key_is_settled_by_the_next_one() {
    let terminal = still(SimulatorOptions::default());
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let abandoned = Uuid::new_v4();
    let payload = json!({"symbol": "EURUSD", "type": "ORDER_TYPE_BUY", "volume": 0.01});
    let intent: TradeIntent =
        serde_json::from_value(json!({"kind": "open", "spec": payload})).unwrap();
    let now = gateway_example::clock::unix_ms();
    journal.begin(abandoned, &intent, None, now).unwrap();
    // The restarted gateway cannot reach the terminal's history: the intent stays pending,
    // holding its key.
    terminal.inject_query_failures(1_000);
    let gateway = Gateway::new(terminal.clone(), journal, config(Duration::ZERO));
    let report = gateway.recover().unwrap();
    assert_eq!(report.left_pending, 1, "{report:?}");
    // Drain what is left of the failures.
    while terminal.history_deals_get(&Default::default()).is_err() {}
    let rig = Rig { terminal, gateway };
    let next = rig.ok("ORDER_SEND", Uuid::new_v4(), payload.clone()).await;
    assert_eq!(next["reconciled"], false);
    let status = rig
        .ok("ORDER_STATUS", Uuid::new_v4(), json!({"req_id": abandoned}))
        .await;
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(status["reply"]["error"]["retryable"], true, "{status}");
    // Its client's resend executes it now, once.
    let resent = rig.ok("ORDER_SEND", abandoned, payload).await;
    assert_eq!(resent["reconciled"], false);
    assert_eq!(rig.terminal.audit_deals().len(), 2);
}

#[tokio::test]
async fn listings_and_the_account_read_the_terminals_books() {
    let rig = rig();
    let position = rig.position(0.01).await;
    let order = rig.buy_limit().await;
    let positions = rig
        .ok("POSITIONS", Uuid::new_v4(), json!({"symbol": "EURUSD"}))
        .await;
    assert_eq!(positions["positions"][0]["ticket"], position);
    let none = rig
        .ok("POSITIONS", Uuid::new_v4(), json!({"symbol": "USDJPY"}))
        .await;
    assert_eq!(none["positions"], json!([]));
    let orders = rig.ok("ORDERS", Uuid::new_v4(), Value::Null).await;
    assert_eq!(orders["orders"][0]["ticket"], order);
    let account = rig.ok("ACCOUNT_INFO", Uuid::new_v4(), Value::Null).await;
    assert!(account["margin"].as_f64().unwrap() > 0.0, "{account}");
    assert!(account["margin_free"].as_f64().unwrap() < account["equity"].as_f64().unwrap());
    let status = rig
        .ok(
            "ORDER_STATUS",
            Uuid::new_v4(),
            json!({"req_id": Uuid::new_v4()}),
        )
        .await;
    assert_eq!(status["state"], "unknown");
}
