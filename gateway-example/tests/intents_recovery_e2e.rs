//! The exactly-once pipeline where the terminal is awkward: a gateway that died between journal
//! entry and reply, a stop loss that overtakes a close, an intent left unsettled on a key, a
//! broker that rewrites comments and a history that lags.

mod intents_support;

use std::time::Duration;

use gateway_example::clock::unix_ms;
use gateway_example::execution::{TradeIntent, GATEWAY_MAGIC};
use gateway_example::gateway::Gateway;
use gateway_example::journal::{Journal, DEFAULT_JOURNAL_TTL};
use gateway_example::protocol::{CancelSpec, CloseSpec, ModifySpec};
use gateway_example::terminal::{
    Fault, Filling, OrderType, SimulatorOptions, Terminal, TradeAction, TradeRequest,
};
use intents_support::{config, rig_with, still, Rig, BID};
use serde_json::json;
use uuid::Uuid;

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
    let now = unix_ms();
    let intent = TradeIntent::Close(spec.clone());
    journal.begin(close, &intent, Some(0.02), now).unwrap();
    // It may have been sent: the journal marks its key before each send.
    journal.mark_send(&intent.key(), close, now).unwrap();
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

/// The gateway died after each send reached the terminal and before it journaled the reply:
/// the restarted gateway finds each intent executed, once, and answers its resend with that.
#[tokio::test]
async fn a_crash_between_journal_and_reply_is_recovered_for_every_kind() {
    let terminal = still(SimulatorOptions::default());
    let dir = tempfile::tempdir().unwrap();
    // The close and the SL/TP change are of two positions: two intents on one position's key
    // are never sent and unsettled at once.
    let (position, modified_position, order) = {
        let journal = Journal::open(Some(dir.path()), DEFAULT_JOURNAL_TTL).unwrap();
        let first = Gateway::new(terminal.clone(), journal, config(Duration::ZERO));
        let rig = Rig {
            terminal: terminal.clone(),
            gateway: first,
        };
        let position = rig.position(0.02).await;
        (position, rig.position(0.02).await, rig.buy_limit().await)
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
        position: modified_position,
        sl: 1.09,
        tp: 0.0,
    };
    let now = unix_ms();
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
    for (req_id, intent) in [
        (close, TradeIntent::Close(close_spec.clone())),
        (modify, TradeIntent::Modify(modify_spec.clone())),
        (cancel, TradeIntent::Cancel(CancelSpec { order })),
    ] {
        journal.mark_send(&intent.key(), req_id, now).unwrap();
    }
    // What each send did before the gateway died.
    let request = |action, position, volume, order_type, sl| TradeRequest {
        action,
        symbol: "EURUSD".into(),
        volume,
        order_type,
        price: BID,
        stoplimit: 0.0,
        sl,
        tp: 0.0,
        deviation: 20,
        type_filling: Filling::Ioc,
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
        request(TradeAction::Deal, position, 0.01, OrderType::Sell, 0.0),
        request(
            TradeAction::Sltp,
            modified_position,
            0.0,
            OrderType::Buy,
            1.09,
        ),
        request(TradeAction::Remove, 0, 0.0, OrderType::BuyLimit, 0.0),
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
    let now = unix_ms();
    journal.begin(abandoned, &intent, None, now).unwrap();
    journal.mark_send(&intent.key(), abandoned, now).unwrap();
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
