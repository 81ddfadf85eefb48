//! The simulated account and market against MetaTrader 5's: margin that open positions hold,
//! equity at current prices, per-symbol spreads and trading sessions. Each test names the MQL5
//! behaviour it encodes.

mod mt5_support;

use gateway_example::terminal::{
    DealReason, OrderType, Retcode, SimulatorOptions, Terminal, DEFAULT_BALANCE,
};
use mt5_support::{close, open, position, still_market, still_market_with, WEDNESDAY_NOON_MS};

/// `ACCOUNT_MARGIN_FREE` = equity − margin: every open position holds its margin
/// (`volume × contract size × price ÷ leverage`), so free margin shrinks as positions open
/// until an order it cannot cover is `TRADE_RETCODE_NO_MONEY` (10019).
#[test]
fn margin_in_use_shrinks_free_margin_until_no_money() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    for _ in 0..4 {
        assert_eq!(
            open(&t, "EURUSD", OrderType::Buy, 10.0).retcode,
            Retcode::DONE
        );
    }
    let account = t.account_info().unwrap();
    // 10 lots at 1.10012, 1:100: 11 001.20 each. Each is 12 points of spread (120 USD) down.
    assert_eq!(account.margin, 44_004.8);
    assert_eq!(
        (account.balance, account.profit, account.equity),
        (DEFAULT_BALANCE, -480.0, 49_520.0)
    );
    assert_eq!(account.margin_free, 5_515.2);
    assert_eq!(account.margin_level, 112.53);
    assert_eq!(
        open(&t, "EURUSD", OrderType::Buy, 10.0).retcode,
        Retcode::NO_MONEY
    );
    assert_eq!(
        open(&t, "EURUSD", OrderType::Buy, 5.0).retcode,
        Retcode::DONE
    );
    assert_eq!(
        open(&t, "EURUSD", OrderType::Buy, 0.01).retcode,
        Retcode::NO_MONEY
    );
    assert_eq!(Retcode::NO_MONEY.code(), 10019);
}

/// Closing a position releases its margin (`ACCOUNT_MARGIN` falls back), and its profit
/// moves from `ACCOUNT_PROFIT` (floating) into `ACCOUNT_BALANCE` (realised).
#[test]
fn closing_a_position_releases_its_margin_into_free_margin() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let p = position(&t, open(&t, "EURUSD", OrderType::Buy, 1.0).order).unwrap();
    t.set_bid("EURUSD", 1.102).unwrap();
    let floating = t.account_info().unwrap();
    // (1.10200 − 1.10012) × 1 lot × 100 000 = 188 USD.
    assert_eq!(
        (floating.profit, floating.equity),
        (188.0, DEFAULT_BALANCE + 188.0)
    );
    assert_eq!(floating.margin, 1_100.12);
    let shown = position(&t, p.ticket).unwrap();
    assert_eq!((shown.price_current, shown.profit), (1.102, 188.0));
    assert_eq!(
        t.order_send(&close(&t, &p, 1.0)).unwrap().retcode,
        Retcode::DONE
    );
    let closed = t.account_info().unwrap();
    assert_eq!(
        (closed.balance, closed.profit, closed.margin),
        (DEFAULT_BALANCE + 188.0, 0.0, 0.0)
    );
    assert_eq!(
        (closed.margin_free, closed.margin_level),
        (DEFAULT_BALANCE + 188.0, 0.0)
    );
}

/// A starting balance of the broker's choosing: a deeper account covers more margin.
#[test]
fn the_starting_balance_is_an_option() {
    let (t, _) = still_market_with(SimulatorOptions {
        balance: 1_000_000.0,
        ..SimulatorOptions::default()
    });
    assert_eq!(t.account_info().unwrap().balance, 1_000_000.0);
    assert_eq!(
        open(&t, "EURUSD", OrderType::Buy, 90.0).retcode,
        Retcode::DONE
    );
}

/// `SYMBOL_SPREAD`: each symbol is quoted with its own spread, in points, shown in
/// `SYMBOL_INFO`, and the Ask stands that far above the Bid.
#[test]
fn each_symbol_is_quoted_with_its_own_symbol_spread() {
    let (t, _) = still_market();
    for (symbol, spread) in [
        ("EURUSD", 12),
        ("GBPUSD", 16),
        ("USDJPY", 14),
        ("XAUUSD", 30),
    ] {
        let info = t.symbol_info(symbol).unwrap().unwrap();
        assert_eq!(info.spread, spread, "{symbol}");
        let points = ((info.ask - info.bid) / info.point).round() as u32;
        assert_eq!(points, spread, "{symbol}");
    }
}

/// `SymbolInfoSessionTrade`: a symbol trades only within its sessions, shown in `SYMBOL_INFO`;
/// outside them an order is `TRADE_RETCODE_MARKET_CLOSED` (10018).
#[test]
fn a_symbol_outside_its_trading_session_is_trade_retcode_market_closed() {
    let (t, clock) = still_market();
    let index = t.symbol_info("GER40").unwrap().unwrap();
    assert_eq!(index.trade_sessions.len(), 5, "Monday to Friday");
    assert_eq!(
        (
            index.trade_sessions[0].from_secs,
            index.trade_sessions[0].to_secs
        ),
        (7 * 3600, 21 * 3600)
    );
    assert_eq!(
        open(&t, "GER40", OrderType::Buy, 0.1).retcode,
        Retcode::DONE,
        "Wednesday noon"
    );
    clock.set_ms(WEDNESDAY_NOON_MS + 9 * 3_600_000);
    assert_eq!(
        open(&t, "GER40", OrderType::Buy, 0.1).retcode,
        Retcode::MARKET_CLOSED,
        "21:00"
    );
    clock.set_ms(WEDNESDAY_NOON_MS + 3 * 24 * 3_600_000);
    assert_eq!(
        open(&t, "GER40", OrderType::Buy, 0.1).retcode,
        Retcode::MARKET_CLOSED,
        "Saturday"
    );
    assert_eq!(
        open(&t, "EURUSD", OrderType::Buy, 0.1).retcode,
        Retcode::DONE,
        "FX trades round the clock here"
    );
}

/// Stop out (`ACCOUNT_MARGIN_SO_SO`, 50 % here): when equity falls below half the margin in
/// use, the server closes the position losing most, with a deal of reason `DEAL_REASON_SO`.
#[test]
fn a_margin_level_below_the_stop_out_level_closes_the_worst_position() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let big = position(&t, open(&t, "EURUSD", OrderType::Buy, 40.0).order).unwrap();
    // 40 lots at 1.10012 hold 44 004.80; equity is 50 000 + (Bid − 1.10012) × 4 000 000.
    t.set_bid("EURUSD", 1.09313).unwrap();
    assert!(
        position(&t, big.ticket).is_some(),
        "equity 22 040: level 50.09 %"
    );
    t.set_bid("EURUSD", 1.09312).unwrap();
    assert!(
        position(&t, big.ticket).is_none(),
        "equity 22 000: level 49.99 %"
    );
    let deal = t.audit_deals().pop().unwrap();
    assert_eq!(
        (deal.reason, deal.position_id, deal.profit),
        (DealReason::So, big.ticket, -28_000.0)
    );
    assert_eq!(t.account_info().unwrap().balance, 22_000.0);
}
