//! The journal across reopening, completion, attribution and expiry.

use super::*;
use crate::terminal::OrderType;

fn order() -> TradeIntent {
    TradeIntent::Open(OrderSpec::market("EURUSD", OrderType::Buy, 0.01))
}

fn done_reply(req_id: Uuid) -> Reply {
    Reply::success(req_id, serde_json::json!({"deal": 1}))
}

#[test]
fn a_retryable_failure_is_marked_to_run_again_on_resend() {
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    let (gave_up, refused) = (Uuid::new_v4(), Uuid::new_v4());
    for (id, retryable) in [(gave_up, true), (refused, false)] {
        journal.begin(id, &order(), None, 0).unwrap();
        let reply = Reply::failure(
            Some(id),
            crate::protocol::ErrorCode::Internal,
            "x",
            retryable,
        );
        journal.complete(id, &reply, 1, &[]).unwrap();
    }
    let flag = |id| match journal.get(id).unwrap().unwrap().state {
        IntentState::Done {
            retry_on_resend, ..
        } => retry_on_resend,
        IntentState::Pending => panic!("completed"),
    };
    assert!(flag(gave_up));
    assert!(!flag(refused));
    assert!(journal.pending().unwrap().is_empty());
}

#[test]
fn entries_written_before_the_flag_existed_still_read() {
    let old = r#"{"order":{"symbol":"EURUSD","type":"ORDER_TYPE_BUY","volume":0.01,"price":null,"sl":0.0,"tp":0.0,"deviation":20},"created_ms":1,"state":"done","reply":"{}","finished_ms":2}"#;
    let intent = decode("k", old).unwrap();
    assert!(matches!(intent.intent, TradeIntent::Open(ref o) if o.symbol == "EURUSD"));
    assert!(matches!(
        intent.state,
        IntentState::Done {
            retry_on_resend: false,
            ..
        }
    ));
}

#[test]
fn pending_then_done_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    {
        let journal = Journal::open(Some(dir.path()), DEFAULT_JOURNAL_TTL).unwrap();
        journal.begin(a, &order(), None, 1).unwrap();
        journal.begin(b, &order(), None, 2).unwrap();
        journal.complete(b, &done_reply(b), 3, &[]).unwrap();
    }
    let journal = Journal::open(Some(dir.path()), DEFAULT_JOURNAL_TTL).unwrap();
    let pending = journal.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].0, a);
    let done = journal.get(b).unwrap().unwrap();
    assert_eq!(
        done.state,
        IntentState::Done {
            reply: done_reply(b).to_json(),
            finished_ms: 3,
            retry_on_resend: false,
        }
    );
    assert!(journal.get(Uuid::new_v4()).unwrap().is_none());
}

#[test]
fn only_done_entries_past_the_ttl_expire() {
    let journal = Journal::open(None, Duration::from_secs(60)).unwrap();
    let (old, fresh, pending) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    for id in [old, fresh, pending] {
        journal.begin(id, &order(), None, 0).unwrap();
    }
    journal
        .complete(old, &done_reply(old), 1_000, &[7])
        .unwrap();
    journal
        .complete(fresh, &done_reply(fresh), 50_000, &[8])
        .unwrap();
    assert!(journal.is_attributed(7).unwrap() && journal.is_attributed(8).unwrap());
    assert_eq!(journal.expire(100_000).unwrap(), 1);
    assert!(
        !journal.is_attributed(7).unwrap(),
        "expires with its intent"
    );
    assert!(journal.is_attributed(8).unwrap());
    assert!(journal.get(old).unwrap().is_none());
    assert!(journal.get(fresh).unwrap().is_some());
    assert!(
        journal.get(pending).unwrap().is_some(),
        "pending never expires"
    );
}

#[test]
fn completing_an_unknown_order_is_an_error() {
    let journal = Journal::open(None, DEFAULT_JOURNAL_TTL).unwrap();
    assert!(matches!(
        journal.complete(Uuid::new_v4(), &done_reply(Uuid::nil()), 0, &[]),
        Err(JournalError::Missing(_))
    ));
}
