//! The simulator's own answers: deals booked, faults injected, comments cut.

use std::time::Duration;

use super::*;
use crate::terminal::{Filling, OrderType, TradeAction};

fn terminal() -> SimulatedTerminal {
    SimulatedTerminal::open(&SimulatorOptions::default()).unwrap()
}

fn buy(terminal: &SimulatedTerminal, volume: f64) -> TradeRequest {
    let info = terminal.symbol_info("EURUSD").unwrap().unwrap();
    TradeRequest {
        volume,
        price: info.ask,
        deviation: 20,
        type_filling: Filling::Ioc,
        magic: 9,
        comment: "t".into(),
        ..TradeRequest::blank(TradeAction::Deal, "EURUSD", OrderType::Buy)
    }
}

#[test]
fn a_clean_market_order_makes_one_deal() {
    let t = terminal();
    let result = t.order_send(&buy(&t, 0.05)).unwrap();
    assert_eq!(result.retcode, Retcode::DONE);
    let deals = t.audit_deals();
    assert_eq!(deals.len(), 1);
    assert_eq!(deals[0].ticket, result.deal);
    assert_eq!(deals[0].volume, 0.05);
}

#[test]
fn permanent_rejections_execute_nothing() {
    let t = terminal();
    assert_eq!(
        t.order_send(&buy(&t, 0.015)).unwrap().retcode,
        Retcode::INVALID_VOLUME
    );
    assert_eq!(
        t.order_send(&buy(&t, 99.0)).unwrap().retcode,
        Retcode::NO_MONEY
    );
    let mut stops = buy(&t, 0.01);
    stops.sl = stops.price;
    assert_eq!(
        t.order_send(&stops).unwrap().retcode,
        Retcode::INVALID_STOPS
    );
    let mut closed = buy(&t, 0.1);
    closed.symbol = "US30".into();
    assert_eq!(
        t.order_send(&closed).unwrap().retcode,
        Retcode::MARKET_CLOSED
    );
    assert!(t.audit_deals().is_empty());
}

#[test]
fn a_stale_price_is_requoted() {
    let t = terminal();
    let mut stale = buy(&t, 0.01);
    stale.price += 0.01;
    assert_eq!(t.order_send(&stale).unwrap().retcode, Retcode::REQUOTE);
    assert!(t.audit_deals().is_empty());
}

#[test]
fn executed_then_lost_still_books_the_deal() {
    let t = terminal();
    t.inject([
        Fault::ExecutedThenReplyLost,
        Fault::ExecutedThenTimeoutRetcode,
    ]);
    assert_eq!(t.order_send(&buy(&t, 0.01)), Err(TerminalError::Timeout));
    let second = t.order_send(&buy(&t, 0.01)).unwrap();
    assert_eq!(second.retcode, Retcode::TIMEOUT);
    assert_eq!(second.deal, 0, "a timeout answer carries no ticket");
    assert_eq!(t.audit_deals().len(), 2);
}

#[test]
fn partial_fill_books_part_of_the_volume() {
    let t = terminal();
    t.inject([Fault::PartialFill]);
    let result = t.order_send(&buy(&t, 0.10)).unwrap();
    assert_eq!(result.retcode, Retcode::DONE_PARTIAL);
    assert_eq!(result.volume, 0.05);
    assert_eq!(t.audit_deals()[0].volume, 0.05);
}

#[test]
fn comments_are_cut_to_31_characters_like_mt5() {
    let t = terminal();
    let mut long = buy(&t, 0.01);
    long.comment = "x".repeat(40);
    t.order_send(&long).unwrap();
    assert_eq!(t.audit_deals()[0].comment.len(), MAX_COMMENT_CHARS);
}

#[test]
fn a_slow_reply_is_booked_before_it_is_answered() {
    let t = std::sync::Arc::new(terminal());
    let delay = Duration::from_millis(300);
    t.inject([Fault::ExecutedThenSlowReply(delay)]);
    let request = buy(&t, 0.01);
    let sender = std::sync::Arc::clone(&t);
    let call = std::thread::spawn(move || sender.order_send(&request));
    // The deal is on the books while the call still waits; nothing else is held up.
    let started = std::time::Instant::now();
    while t.audit_deals().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "never booked");
        std::thread::yield_now();
    }
    let result = call.join().unwrap().unwrap();
    assert_eq!(result.retcode, Retcode::DONE);
    assert_eq!(t.audit_deals()[0].ticket, result.deal);
}
