//! The way out when the books cannot say whose record is whose: a journal written by a gateway
//! that did not mark its sends, left with two opens pending on one key under a broker that
//! rewrites comments, leaves both pending and the key blocked (`key_busy`); an operator settles them by hand in the stopped gateway's journal,
//! and the restarted gateway answers their resends from it and frees the key.

mod intents_support;

use std::time::Duration;

use gateway_example::clock::unix_ms;
use gateway_example::execution::{order_comment, TradeIntent, GATEWAY_MAGIC};
use gateway_example::gateway::Gateway;
use gateway_example::journal::{Journal, SettleError, Verdict, DEFAULT_JOURNAL_TTL};
use gateway_example::protocol::OrderSpec;
use gateway_example::terminal::{
    Filling, OrderType, SimulatedTerminal, SimulatorOptions, Terminal, TradeAction, TradeRequest,
};
use intents_support::{config, still, Rig};
use serde_json::json;
use uuid::Uuid;

fn eurusd_buy() -> OrderSpec {
    OrderSpec::market("EURUSD", OrderType::Buy, 0.01)
}

/// What the terminal holds when the gateway died right after sending `req_id`'s open.
fn executed(terminal: &SimulatedTerminal, req_id: Uuid) -> u64 {
    let ask = terminal.symbol_info("EURUSD").unwrap().unwrap().ask;
    let request = TradeRequest {
        volume: 0.01,
        price: ask,
        deviation: 20,
        type_filling: Filling::Ioc,
        magic: GATEWAY_MAGIC,
        comment: order_comment(req_id),
        ..TradeRequest::blank(TradeAction::Deal, "EURUSD", OrderType::Buy)
    };
    terminal.order_send(&request).unwrap().order
}

#[tokio::test]
async fn unattributable_intents_block_their_key_until_an_operator_settles_them() {
    let terminal = still(SimulatorOptions {
        rewrite_comments: Some("#{ticket}".into()),
        ..SimulatorOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let open_journal = || Journal::open(Some(dir.path()), DEFAULT_JOURNAL_TTL).unwrap();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let open = TradeIntent::Open(eurusd_buy());
    {
        // Journaled by a gateway that did not mark its sends: whichever sent cannot be told.
        let journal = open_journal();
        journal
            .begin_without_send_marks(a, &open, unix_ms())
            .unwrap();
        journal
            .begin_without_send_marks(b, &open, unix_ms())
            .unwrap();
    }
    let ticket = executed(&terminal, a);

    // The restarted gateway cannot tell whose the deal is: both stay pending, holding the key.
    let gateway = Gateway::new(terminal.clone(), open_journal(), config(Duration::ZERO));
    let report = gateway.recover().unwrap();
    assert_eq!((report.pending, report.left_pending), (2, 2), "{report:?}");
    // STATS tells the operator what waits for them.
    let waiting = gateway.stats().awaiting_operator;
    let mut named: Vec<_> = waiting.iter().map(|w| w.req_id).collect();
    named.sort_unstable();
    let mut both = vec![a, b];
    both.sort_unstable();
    assert_eq!(named, both, "{waiting:?}");
    let rig = Rig {
        terminal: terminal.clone(),
        gateway,
    };
    let payload = serde_json::to_value(eurusd_buy()).unwrap();
    let blocked = rig
        .call("ORDER_SEND", Uuid::new_v4(), payload.clone())
        .await;
    assert_eq!(blocked.error_code(), Some("key_busy"), "{blocked:?}");
    drop(rig);

    // The operator, with the gateway stopped, settles both from the books.
    {
        let journal = open_journal();
        let settled = journal
            .settle_by_hand(a, Verdict::Executed { order: ticket }, unix_ms())
            .unwrap();
        assert!(settled.ok);
        journal
            .settle_by_hand(b, Verdict::NotExecuted, unix_ms())
            .unwrap();
        let again = journal.settle_by_hand(a, Verdict::NotExecuted, unix_ms());
        assert!(matches!(again, Err(SettleError::NotPending(id)) if id == a));
        let other = Uuid::new_v4();
        journal.begin(other, &open, None, unix_ms()).unwrap();
        let taken = journal.settle_by_hand(other, Verdict::Executed { order: ticket }, unix_ms());
        assert!(matches!(taken, Err(SettleError::Taken(t)) if t == ticket));
        journal
            .settle_by_hand(other, Verdict::NotExecuted, unix_ms())
            .unwrap();
    }

    // Restarted: the key is free, a's resend gets the operator's answer, b's executes once.
    let gateway = Gateway::new(terminal.clone(), open_journal(), config(Duration::ZERO));
    assert_eq!(gateway.recover().unwrap().pending, 0);
    let rig = Rig { terminal, gateway };
    let replayed = rig.ok("ORDER_SEND", a, payload.clone()).await;
    assert_eq!(
        replayed,
        json!({"status": "settled_by_operator", "order": ticket, "reconciled": true})
    );
    rig.ok("ORDER_SEND", b, payload.clone()).await;
    rig.ok("ORDER_SEND", Uuid::new_v4(), payload).await;
    assert_eq!(
        rig.terminal.audit_deals().len(),
        3,
        "a once, b once, the new open"
    );
}
