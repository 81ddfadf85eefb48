//! The audit finds what it is for: books that hold an intent twice, or miss one, or contradict
//! a "not executed" answer, for every kind of intent; and passes books that match.

use std::time::{Duration, Instant};

use serde_json::json;
use uuid::Uuid;

use super::{audit, ClientRecord};
use crate::demo::IntentKind;
use crate::protocol::{Action, CancelSpec, CloseSpec, ErrorCode, ModifySpec, OrderSpec, Reply};
use crate::remote::AuditView;
use crate::terminal::{
    Deal, DealEntry, DealReason, Modification, ModificationKind, Order, OrderState, OrderTime,
    OrderType,
};

const POSITION: u64 = 10;
const PENDING: u64 = 20;

fn record(action: Action, reply: impl FnOnce(Uuid) -> Reply) -> ClientRecord {
    let req_id = Uuid::new_v4();
    ClientRecord {
        req_id,
        kind: IntentKind::of(&action).unwrap(),
        action: Some(action),
        reply: Ok(reply(req_id)),
        sent: Instant::now(),
        latency: Duration::from_millis(1),
    }
}

fn deal(ticket: u64, entry: DealEntry, reason: DealReason, volume: f64) -> Deal {
    Deal {
        ticket,
        order: if entry == DealEntry::In {
            POSITION
        } else {
            ticket
        },
        time_msc: 0,
        symbol: "EURUSD".into(),
        order_type: OrderType::Buy,
        entry,
        position_id: POSITION,
        reason,
        volume,
        price: 1.1,
        profit: 0.0,
        magic: 1,
        // A broker that rewrote every comment: the audit must go by tickets.
        comment: format!("#{ticket}"),
    }
}

fn change(seq: u64, ticket: u64, kind: ModificationKind, price: f64, sl: f64) -> Modification {
    Modification {
        seq,
        ticket,
        kind,
        price,
        stoplimit: 0.0,
        sl,
        tp: 0.0,
        type_time: OrderTime::Gtc,
        expiration: 0,
        time_msc: 0,
    }
}

fn pending(state: OrderState) -> Order {
    Order {
        ticket: PENDING,
        time_setup_msc: 0,
        time_done_msc: 0,
        symbol: "EURUSD".into(),
        order_type: OrderType::BuyLimit,
        state,
        volume_initial: 0.02,
        price_open: 1.01,
        price_stoplimit: 0.0,
        sl: 0.0,
        tp: 0.0,
        type_time: OrderTime::Gtc,
        expiration: 0,
        position_id: 0,
        magic: 1,
        comment: "#20".into(),
    }
}

/// A position lifecycle and a pending one, all acknowledged, and books that match them.
fn lifecycles() -> (Vec<ClientRecord>, AuditView) {
    let open = OrderSpec::market("EURUSD", OrderType::Buy, 0.04);
    let place = OrderSpec {
        price: Some(1.0),
        ..OrderSpec::market("EURUSD", OrderType::BuyLimit, 0.02)
    };
    let close = |volume| CloseSpec {
        position: POSITION,
        volume,
        deviation: 20,
        type_filling: None,
        comment: None,
    };
    let records = vec![
        record(Action::OrderSend(open), |id| {
            let filled = json!({"status": "filled", "deal": 11, "order": POSITION,
                "position": POSITION, "volume": 0.04, "price": 1.1});
            Reply::success(id, filled)
        }),
        record(
            Action::OrderModify(ModifySpec::Position {
                position: POSITION,
                sl: 1.0,
                tp: 0.0,
            }),
            |id| Reply::success(id, json!({"status": "modified"})),
        ),
        record(Action::PositionClose(close(Some(0.02))), |id| {
            Reply::success(
                id,
                json!({"status": "partially_closed", "deal": 12, "volume": 0.02}),
            )
        }),
        record(Action::PositionClose(close(None)), |id| {
            Reply::success(id, json!({"status": "closed", "deal": 0, "volume": 0.02}))
        }),
        record(Action::OrderSend(place), |id| {
            Reply::success(
                id,
                json!({"status": "placed", "order": PENDING, "volume": 0.02}),
            )
        }),
        record(
            Action::OrderModify(ModifySpec::Order {
                order: PENDING,
                price: 1.01,
                stoplimit: 0.0,
                sl: 0.0,
                tp: 0.0,
                type_time: OrderTime::Gtc,
                expiration: 0,
            }),
            |id| Reply::success(id, json!({"status": "modified"})),
        ),
        record(Action::OrderCancel(CancelSpec { order: PENDING }), |id| {
            Reply::success(id, json!({"status": "cancelled", "order": PENDING}))
        }),
    ];
    let books = AuditView {
        deals: vec![
            deal(11, DealEntry::In, DealReason::Expert, 0.04),
            deal(12, DealEntry::Out, DealReason::Expert, 0.02),
            deal(13, DealEntry::Out, DealReason::Expert, 0.02),
        ],
        orders: Vec::new(),
        history_orders: vec![pending(OrderState::Canceled)],
        positions: Vec::new(),
        modifications: vec![
            change(1, POSITION, ModificationKind::Sltp, 0.0, 1.0),
            change(2, PENDING, ModificationKind::Modify, 1.01, 0.0),
            change(3, PENDING, ModificationKind::Remove, 0.0, 0.0),
        ],
        faults_injected: 0,
    };
    (records, books)
}

#[test]
fn books_that_match_every_acknowledged_intent_pass() {
    let (records, books) = lifecycles();
    let audit = audit(&records, &books);
    assert!(audit.is_clean(), "{audit:?}");
    for (kind, done) in [
        (IntentKind::Open, 2),
        (IntentKind::Modify, 2),
        (IntentKind::Close, 2),
        (IntentKind::Cancel, 1),
    ] {
        assert_eq!(audit.kind(kind).done, done, "{kind:?}: {audit:?}");
    }
}

#[test]
fn a_position_closed_twice_is_a_duplicate() {
    let (records, mut books) = lifecycles();
    books
        .deals
        .push(deal(14, DealEntry::Out, DealReason::Expert, 0.02));
    let audit = audit(&records, &books);
    // One close too many, and more closed than opened.
    assert_eq!(audit.duplicated.len(), 2, "{audit:?}");
}

#[test]
fn an_acknowledged_close_missing_from_the_books_is_lost() {
    let (records, mut books) = lifecycles();
    books.deals.retain(|d| d.ticket != 13);
    let audit = audit(&records, &books);
    assert_eq!(audit.lost.len(), 1, "{audit:?}");
    assert!(audit.lost[0].1.contains("no deal"), "{audit:?}");
}

#[test]
fn a_close_answered_not_executed_that_executed_is_caught() {
    let (mut records, books) = lifecycles();
    records[3].reply = Ok(Reply::failure(
        Some(records[3].req_id),
        ErrorCode::TerminalUnavailable,
        "nothing executed",
        true,
    ));
    let audit = audit(&records, &books);
    assert_eq!(audit.duplicated.len(), 1, "{audit:?}");
}

#[test]
fn a_modification_applied_twice_or_not_in_force_is_caught() {
    let (records, mut books) = lifecycles();
    let again = change(4, POSITION, ModificationKind::Sltp, 0.0, 1.0);
    books.modifications.push(again);
    assert_eq!(audit(&records, &books).duplicated.len(), 1);

    let (records, mut books) = lifecycles();
    books.modifications[1].price = 1.02;
    let audit = audit(&records, &books);
    assert_eq!(audit.lost.len(), 1, "{audit:?}");
}

#[test]
fn a_cancel_the_books_contradict_is_lost_and_a_double_removal_duplicated() {
    let (records, mut books) = lifecycles();
    books.history_orders = vec![pending(OrderState::Filled)];
    assert_eq!(audit(&records, &books).lost.len(), 1);

    let (records, mut books) = lifecycles();
    let again = change(4, PENDING, ModificationKind::Remove, 0.0, 0.0);
    books.modifications.push(again);
    assert_eq!(audit(&records, &books).duplicated.len(), 1);
}

#[test]
fn an_open_executed_twice_under_a_rewritten_comment_is_unexplained() {
    let (records, mut books) = lifecycles();
    let mut twice = deal(15, DealEntry::In, DealReason::Expert, 0.04);
    twice.order = 16;
    books.deals.push(twice);
    let audit = audit(&records, &books);
    assert_eq!(audit.unexplained, 1, "{audit:?}");
    assert!(!audit.is_clean());
}

#[test]
fn an_open_answered_filled_with_a_deal_the_books_lack_is_lost() {
    let (records, mut books) = lifecycles();
    books.deals.retain(|d| d.entry == DealEntry::Out);
    let audit = audit(&records, &books);
    assert!(
        audit
            .lost
            .iter()
            .any(|(_, why)| why.contains("lack its deal")),
        "{audit:?}"
    );
}
