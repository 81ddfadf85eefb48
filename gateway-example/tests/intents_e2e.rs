//! Closes, modifications and cancels through the gateway's exactly-once pipeline, against the
//! simulated terminal's real books: an ambiguous one is reconciled and never applied twice, a
//! resend replays, and the listings read the books.

mod intents_support;

use gateway_example::terminal::{Fault, ModificationKind, OrderState};
use intents_support::rig;
use serde_json::{json, Value};
use uuid::Uuid;

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
