//! Broker behaviours a MetaTrader 5 client must survive, as the simulated terminal shows them:
//! a history that lags the trade results, comments the broker rewrites, queries that fail.

mod mt5_support;

use std::time::Duration;

use gateway_example::terminal::{
    HistoryFilter, OrderType, Retcode, SimulatorOptions, Terminal, TerminalError,
};
use mt5_support::{close, open, position, still_market, still_market_with};

/// A terminal's history synchronises after its trade results: with a history lag, a fresh
/// deal is missing from `history_deals_get` (and its order from `history_orders_get`) until
/// the lag has passed, while `positions_get` shows the position at once.
#[test]
fn history_lag_hides_a_fresh_deal_from_history_deals_get_but_not_the_position() {
    let (t, clock) = still_market_with(SimulatorOptions {
        history_lag: Duration::from_millis(1_500),
        ..SimulatorOptions::default()
    });
    let opened = open(&t, "EURUSD", OrderType::Buy, 0.1);
    assert_eq!(opened.retcode, Retcode::DONE);
    let all = HistoryFilter::default();
    assert!(t.history_deals_get(&all).unwrap().is_empty());
    assert!(t.history_orders_get(&all).unwrap().is_empty());
    assert!(
        position(&t, opened.order).is_some(),
        "positions_get is current"
    );
    assert_eq!(
        t.audit_deals().len(),
        1,
        "the auditor sees the books without lag"
    );
    clock.advance(Duration::from_millis(1_499));
    assert!(t.history_deals_get(&all).unwrap().is_empty());
    clock.advance(Duration::from_millis(1));
    assert_eq!(t.history_deals_get(&all).unwrap()[0].ticket, opened.deal);
    assert_eq!(t.history_orders_get(&all).unwrap()[0].ticket, opened.order);
}

/// A broker may overwrite comments with its own text: every stored comment (order, deal,
/// position) reads as the broker wrote it, so a client's tag in the comment cannot be trusted.
#[test]
fn a_rewriting_broker_replaces_every_stored_comment() {
    let (t, _) = still_market_with(SimulatorOptions {
        rewrite_comments: Some("#{ticket}".into()),
        ..SimulatorOptions::default()
    });
    let opened = open(&t, "EURUSD", OrderType::Buy, 0.2);
    let expected = format!("#{}", opened.order);
    let p = position(&t, opened.order).unwrap();
    assert_eq!(p.comment, expected);
    assert_eq!(t.audit_deals()[0].comment, expected);
    assert_eq!(t.audit_history_orders()[0].comment, expected);
    let tagged = HistoryFilter {
        comment: Some("mt5".into()),
        ..HistoryFilter::default()
    };
    assert!(
        t.history_deals_get(&tagged).unwrap().is_empty(),
        "the client's tag is gone"
    );
    let closed = t.order_send(&close(&t, &p, 0.1)).unwrap();
    assert_eq!(t.audit_deals()[1].comment, format!("#{}", closed.order));
}

/// Every query can lose its link, not only the history: `positions_get`, `orders_get`,
/// `history_orders_get` and `history_deals_get` answer no result when it drops.
#[test]
fn every_query_can_lose_its_connection() {
    let (t, _) = still_market();
    let all = HistoryFilter::default();
    t.inject_query_failures(4);
    assert_eq!(t.positions_get(&all), Err(TerminalError::Disconnected));
    assert_eq!(t.orders_get(&all), Err(TerminalError::Disconnected));
    assert_eq!(t.history_orders_get(&all), Err(TerminalError::Disconnected));
    assert_eq!(t.history_deals_get(&all), Err(TerminalError::Disconnected));
    assert!(t.positions_get(&all).is_ok());
}

/// Seeded query faults are keyed by what is asked, so the same seed and the same queries fail
/// the same way on every run, whatever else runs between them.
#[test]
fn seeded_query_faults_repeat_with_the_seed() {
    let pattern = |interleaved: bool| {
        let (t, _) = still_market_with(SimulatorOptions {
            fault_rate: 0.8,
            seed: 9,
            ..SimulatorOptions::default()
        });
        let mine = HistoryFilter {
            position: Some(5),
            ..HistoryFilter::default()
        };
        let other = HistoryFilter {
            magic: Some(1),
            ..HistoryFilter::default()
        };
        (0..40)
            .map(|_| {
                if interleaved {
                    let _ = t.orders_get(&other);
                }
                t.positions_get(&mine).is_err()
            })
            .collect::<Vec<bool>>()
    };
    let first = pattern(false);
    assert!(first.contains(&true) && first.contains(&false), "{first:?}");
    assert_eq!(first, pattern(true));
}
