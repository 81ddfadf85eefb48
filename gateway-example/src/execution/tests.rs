//! The attempt loop of every kind, against the simulated terminal.

use std::collections::HashSet;
use std::time::Duration;

use uuid::Uuid;
use wait_or_die::Policy;

use super::*;
use crate::clock::unix_ms;
use crate::protocol::OrderSpec;
use crate::terminal::{
    Fault, Filling, OrderType, Retcode, SimulatedTerminal, SimulatorOptions, Terminal,
};

const FAST: Policy = Policy::builder()
    .max_retries(5)
    .initial_wait(Duration::from_millis(1))
    .max_wait(Duration::from_millis(1))
    .build_const();

fn terminal() -> SimulatedTerminal {
    SimulatedTerminal::open(&SimulatorOptions::default()).unwrap()
}

fn open(volume: f64) -> TradeIntent {
    TradeIntent::Open(OrderSpec::market("EURUSD", OrderType::Buy, volume))
}

fn run(
    terminal: &SimulatedTerminal,
    intent: &TradeIntent,
    progress: &mut Progress,
) -> Result<Settled, ExecutionError> {
    let cx = Context::fresh(Uuid::new_v4(), unix_ms());
    execute(terminal, intent, &cx, progress, &FAST)
}

fn status(settled: &Settled) -> &str {
    settled.result["status"].as_str().unwrap()
}

#[test]
fn transient_retcodes_are_retried_with_a_fresh_price() {
    let terminal = terminal();
    terminal.inject([
        Fault::Requote,
        Fault::PriceChanged,
        Fault::TooManyRequests,
        Fault::Locked,
    ]);
    let mut progress = Progress::default();
    let done = run(&terminal, &open(0.01), &mut progress).unwrap();
    assert_eq!(status(&done), "filled");
    assert_eq!(progress.attempts, 5);
    assert_eq!(terminal.audit_deals().len(), 1);
}

#[test]
fn every_ambiguous_outcome_is_reconciled_not_resent() {
    for fault in [
        Fault::ExecutedThenTimeoutRetcode,
        Fault::ExecutedThenErrorRetcode,
        Fault::ExecutedThenReplyLost,
        Fault::ExecutedThenDisconnected,
    ] {
        let terminal = terminal();
        terminal.inject([fault]);
        let mut progress = Progress::default();
        let done = run(&terminal, &open(0.02), &mut progress).unwrap();
        assert!(done.reconciled, "{fault:?}");
        assert_eq!(progress.sends, 1, "{fault:?} was resent");
        let deals = terminal.audit_deals();
        assert_eq!(deals.len(), 1, "{fault:?}");
        assert_eq!(done.result["deal"], deals[0].ticket);
        assert_eq!(
            done.tickets,
            vec![deals[0].order],
            "the order is attributed"
        );
    }
}

#[test]
fn an_ambiguous_failure_that_did_not_execute_is_sent_again() {
    let terminal = terminal();
    terminal.inject([Fault::ConnectionLostBeforeSend]);
    let mut progress = Progress::default();
    let done = run(&terminal, &open(0.01), &mut progress).unwrap();
    assert!(!done.reconciled);
    assert_eq!(progress.sends, 2);
    assert_eq!(terminal.audit_deals().len(), 1);
}

/// The broker may rewrite comments and a client may bring its own: an ambiguous open is found
/// by magic, symbol, type, volume and time, and a record already attributed to another intent,
/// or carrying another intent's tag, is never taken.
#[test]
fn an_open_is_found_without_its_tag_but_never_in_anothers_record() {
    let terminal = terminal();
    let mine = OrderSpec {
        magic: Some(77),
        comment: Some("grid 3".into()),
        ..OrderSpec::market("EURUSD", OrderType::Buy, 0.02)
    };
    // An earlier open with the same magic and symbol, settled and attributed.
    let earlier = run(
        &terminal,
        &TradeIntent::Open(mine.clone()),
        &mut Progress::default(),
    );
    let earlier_order = earlier.unwrap().tickets[0];
    terminal.inject([Fault::ExecutedThenReplyLost]);
    let attributed: HashSet<u64> = [earlier_order].into();
    let cx = Context {
        attributions: &attributed,
        ..Context::fresh(Uuid::new_v4(), unix_ms())
    };
    let mut progress = Progress::default();
    let intent = TradeIntent::Open(mine);
    let done = execute(&terminal, &intent, &cx, &mut progress, &FAST).unwrap();
    assert!(done.reconciled);
    assert_eq!(progress.sends, 1);
    assert_ne!(done.tickets, vec![earlier_order]);
    let deals = terminal.audit_deals();
    assert_eq!(deals.len(), 2);
    assert!(deals.iter().all(|d| d.magic == 77 && d.comment == "grid 3"));
}

/// `history_*_get` may lag: an open missing from the history is not "not executed" until the
/// lag bound has passed since the send; the attempt reports "not yet" and the loop waits.
#[test]
fn nothing_is_concluded_from_the_history_before_the_lag_bound() {
    let terminal = terminal();
    let cx = Context {
        history_lag_ms: 60_000,
        ..Context::fresh(Uuid::new_v4(), unix_ms())
    };
    let mut progress = Progress::resumed(unix_ms());
    let once = Policy::builder().max_retries(0).build_const();
    let err = execute(&terminal, &open(0.01), &cx, &mut progress, &once).unwrap_err();
    assert_eq!(err, ExecutionError::NotYet);
    assert!(progress.maybe_sent, "still maybe sent");
    assert_eq!(progress.sends, 0);
    assert!(terminal.audit_deals().is_empty());
}

#[test]
fn a_failed_lookup_is_retried_before_any_resend() {
    let terminal = terminal();
    terminal.inject([Fault::ExecutedThenReplyLost]);
    terminal.inject_query_failures(2);
    let mut progress = Progress::default();
    let done = run(&terminal, &open(0.01), &mut progress).unwrap();
    assert!(done.reconciled);
    assert_eq!(progress.sends, 1);
    assert_eq!(progress.attempts, 4);
}

#[test]
fn permanent_rejections_die_at_once() {
    let terminal = terminal();
    let mut progress = Progress::default();
    let err = run(&terminal, &open(0.015), &mut progress).unwrap_err();
    assert_eq!(err, ExecutionError::Rejected(Retcode::INVALID_VOLUME));
    assert_eq!(progress.attempts, 1);
}

#[test]
fn a_partial_fill_is_final() {
    let terminal = terminal();
    terminal.inject([Fault::PartialFill]);
    let mut progress = Progress::default();
    let done = run(&terminal, &open(0.10), &mut progress).unwrap();
    assert_eq!(status(&done), "partial");
    assert_eq!(progress.sends, 1);
    assert_eq!(terminal.audit_deals().len(), 1);
}

/// `SYMBOL_FILLING_MODE`: with no `type_filling` the gateway sends a policy the symbol
/// allows; one the client names is sent as named, and refused if the symbol forbids it.
#[test]
fn the_fill_policy_is_one_the_symbol_allows_unless_the_client_names_one() {
    for symbol in ["USDJPY", "XAUUSD", "EURUSD"] {
        let terminal = terminal();
        let order = OrderSpec::market(symbol, OrderType::Buy, 0.01);
        let done = run(
            &terminal,
            &TradeIntent::Open(order),
            &mut Progress::default(),
        );
        assert_eq!(status(&done.unwrap()), "filled", "{symbol}");
    }
    let terminal = terminal();
    let fok = OrderSpec {
        type_filling: Some(Filling::Fok),
        ..OrderSpec::market("USDJPY", OrderType::Buy, 0.01)
    };
    let err = run(&terminal, &TradeIntent::Open(fok), &mut Progress::default()).unwrap_err();
    assert_eq!(err, ExecutionError::Rejected(Retcode::INVALID_FILL));
}

/// MQL5 keeps an Expert Advisor's `magic` and `comment` with the order and its deals: the
/// client's own are sent as given, the gateway's only when the client gives none.
#[test]
fn the_clients_magic_and_comment_are_sent_as_given() {
    let terminal = terminal();
    let own = OrderSpec {
        magic: Some(42),
        comment: Some("my strategy".into()),
        ..OrderSpec::market("EURUSD", OrderType::Buy, 0.01)
    };
    run(&terminal, &TradeIntent::Open(own), &mut Progress::default()).unwrap();
    let req_id = Uuid::new_v4();
    let cx = Context::fresh(req_id, unix_ms());
    execute(&terminal, &open(0.01), &cx, &mut Progress::default(), &FAST).unwrap();
    let deals = terminal.audit_deals();
    assert_eq!(
        (deals[0].magic, deals[0].comment.as_str()),
        (42, "my strategy")
    );
    assert_eq!(deals[1].magic, GATEWAY_MAGIC);
    assert_eq!(deals[1].comment, order_comment(req_id));
}

#[test]
fn exhausted_retries_leave_nothing_executed() {
    let terminal = terminal();
    terminal.inject([Fault::Requote; 6]);
    let mut progress = Progress::default();
    let err = run(&terminal, &open(0.01), &mut progress).unwrap_err();
    assert_eq!(err, ExecutionError::Transient(Retcode::REQUOTE));
    assert!(!progress.maybe_sent);
    assert!(terminal.audit_deals().is_empty());
}

#[test]
fn a_pending_open_found_on_the_book_is_placed() {
    let terminal = terminal();
    let ask = terminal.symbol_info("EURUSD").unwrap().unwrap().ask;
    let limit = OrderSpec {
        price: Some(((ask - 0.0100) * 1e5).round() / 1e5),
        ..OrderSpec::market("EURUSD", OrderType::BuyLimit, 0.01)
    };
    terminal.inject([Fault::ExecutedThenTimeoutRetcode]);
    let mut progress = Progress::default();
    let done = run(&terminal, &TradeIntent::Open(limit), &mut progress).unwrap();
    assert_eq!(status(&done), "placed");
    assert!(done.reconciled);
    assert_eq!(progress.sends, 1);
    assert_eq!(terminal.audit_orders().len(), 1);
}
