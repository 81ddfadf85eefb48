//! Positions on the simulated trade server against MetaTrader 5's rules for a hedging account
//! (`ACCOUNT_MARGIN_MODE_RETAIL_HEDGING`): each test names the MQL5 behaviour it encodes.
//!
//! Prices stand still unless a test moves them (`set_bid`), so every figure below is exact.

mod mt5_support;

use gateway_example::terminal::{
    DealEntry, DealReason, HistoryFilter, ModificationKind, OrderState, OrderType, Retcode,
    SimulatorOptions, Terminal,
};
use mt5_support::{close, open, position, sltp, still_market, still_market_with, POINT};

/// "Hedging": every opening deal opens a position of its own, whose `POSITION_TICKET` is the
/// ticket of the order that opened it; two buys make two positions.
#[test]
fn each_opening_deal_opens_a_position_ticketed_as_its_order() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let first = open(&t, "EURUSD", OrderType::Buy, 0.1);
    let second = open(&t, "EURUSD", OrderType::Buy, 0.2);
    assert_eq!(
        (first.retcode, second.retcode),
        (Retcode::DONE, Retcode::DONE)
    );
    let open_positions = t.positions_get(&HistoryFilter::default()).unwrap();
    let tickets: Vec<u64> = open_positions.iter().map(|p| p.ticket).collect();
    assert_eq!(tickets, [first.order, second.order]);
    let p = &open_positions[0];
    assert_eq!(
        (p.position_type, p.volume, p.price_open),
        (OrderType::Buy, 0.1, 1.10012)
    );
    assert_eq!((p.magic, p.comment.as_str()), (77, "mt5"));
    let filled = t.history_orders_get(&HistoryFilter::default()).unwrap();
    assert_eq!(
        filled[0].state,
        OrderState::Filled,
        "a market order leaves the book filled"
    );
    assert_eq!(filled[0].position_id, first.order);
}

/// `TRADE_ACTION_DEAL` with `position`: an opposite deal of part of the volume closes that
/// part (`DEAL_ENTRY_OUT`, `DEAL_POSITION_ID`, realised `DEAL_PROFIT`); the rest stays open
/// under the same ticket.
#[test]
fn a_partial_close_leaves_the_rest_open_with_the_same_ticket() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let opened = open(&t, "EURUSD", OrderType::Buy, 0.3);
    let p = position(&t, opened.order).unwrap();
    t.set_bid("EURUSD", 1.101).unwrap();
    let closed = t.order_send(&close(&t, &p, 0.1)).unwrap();
    assert_eq!(
        (closed.retcode, closed.price, closed.volume),
        (Retcode::DONE, 1.101, 0.1)
    );
    let rest = position(&t, opened.order).expect("the rest stays open");
    assert_eq!(rest.volume, 0.2);
    let deal = t
        .history_deals_get(&HistoryFilter::default())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(deal.ticket, closed.deal);
    assert_eq!(
        (deal.entry, deal.position_id),
        (DealEntry::Out, opened.order)
    );
    assert_eq!(
        (deal.order_type, deal.reason),
        (OrderType::Sell, DealReason::Expert)
    );
    // A buy closes at the Bid: (1.10100 − 1.10012) × 0.1 lot × 100 000 = 8.80 USD.
    assert_eq!(deal.profit, 8.8);
}

/// Closing the whole volume removes the position from `positions_get`, and the realised profit
/// moves `ACCOUNT_BALANCE`; a sell's profit is `(open − close) × volume × contract size`.
#[test]
fn a_full_close_ends_the_position_and_books_its_profit_in_the_balance() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let opened = open(&t, "EURUSD", OrderType::Sell, 0.5);
    let p = position(&t, opened.order).unwrap();
    t.set_bid("EURUSD", 1.09).unwrap();
    let closed = t.order_send(&close(&t, &p, 0.5)).unwrap();
    assert_eq!(closed.retcode, Retcode::DONE);
    assert!(position(&t, opened.order).is_none());
    // A sell closes at the Ask: (1.10000 − 1.09012) × 0.5 × 100 000 = 494.00 USD.
    let account = t.account_info().unwrap();
    assert_eq!((account.balance, account.margin), (50_494.0, 0.0));
}

/// `TRADE_RETCODE_POSITION_CLOSED` (10036): a close naming a position that is already closed,
/// or never existed, executes nothing.
#[test]
fn closing_a_closed_position_is_trade_retcode_position_closed() {
    let (t, _) = still_market();
    let opened = open(&t, "EURUSD", OrderType::Buy, 0.1);
    let p = position(&t, opened.order).unwrap();
    assert_eq!(
        t.order_send(&close(&t, &p, 0.1)).unwrap().retcode,
        Retcode::DONE
    );
    let again = t.order_send(&close(&t, &p, 0.1)).unwrap();
    assert_eq!((again.retcode, again.deal), (Retcode::POSITION_CLOSED, 0));
    assert_eq!(Retcode::POSITION_CLOSED.code(), 10036);
    let mut unknown = close(&t, &p, 0.1);
    unknown.position = 42;
    assert_eq!(
        t.order_send(&unknown).unwrap().retcode,
        Retcode::POSITION_CLOSED
    );
    assert_eq!(t.audit_deals().len(), 2);
}

/// `TRADE_RETCODE_INVALID_CLOSE_VOLUME` (10038): a close volume above the position's; a close
/// volume off `SYMBOL_VOLUME_STEP` is `TRADE_RETCODE_INVALID_VOLUME` as for any deal, and a
/// closing deal in the position's own direction is `TRADE_RETCODE_INVALID_ORDER`.
#[test]
fn closing_more_than_the_position_is_trade_retcode_invalid_close_volume() {
    let (t, _) = still_market();
    let opened = open(&t, "EURUSD", OrderType::Buy, 0.1);
    let p = position(&t, opened.order).unwrap();
    let retcode = |volume| t.order_send(&close(&t, &p, volume)).unwrap().retcode;
    assert_eq!(retcode(0.11), Retcode::INVALID_CLOSE_VOLUME);
    assert_eq!(Retcode::INVALID_CLOSE_VOLUME.code(), 10038);
    assert_eq!(retcode(0.015), Retcode::INVALID_VOLUME);
    let mut same_side = close(&t, &p, 0.1);
    same_side.order_type = OrderType::Buy;
    same_side.price = t.symbol_info("EURUSD").unwrap().unwrap().ask;
    assert_eq!(
        t.order_send(&same_side).unwrap().retcode,
        Retcode::INVALID_ORDER
    );
    assert_eq!(position(&t, opened.order).unwrap().volume, 0.1);
}

/// `TRADE_ACTION_SLTP`: sets a position's SL and TP, measured from the price it would close
/// at (`Bid − SL ≥ SYMBOL_TRADE_STOPS_LEVEL` for a buy); 0 removes a stop.
#[test]
fn sltp_sets_a_positions_stops_measured_from_its_closing_price() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let p = position(&t, open(&t, "EURUSD", OrderType::Buy, 0.1).order).unwrap();
    let send = |sl, tp| t.order_send(&sltp(&p, sl, tp)).unwrap().retcode;
    assert_eq!(
        send(1.09991, 0.0),
        Retcode::INVALID_STOPS,
        "Bid − SL is 9 points"
    );
    assert_eq!(
        send(1.0999, 1.1001),
        Retcode::DONE,
        "exactly 10 points each"
    );
    let set = position(&t, p.ticket).unwrap();
    assert_eq!((set.sl, set.tp), (1.0999, 1.1001));
    assert_eq!(send(0.0, 1.1001), Retcode::DONE);
    assert_eq!(
        position(&t, p.ticket).unwrap().sl,
        0.0,
        "0 removes the stop loss"
    );
}

/// `TRADE_RETCODE_NO_CHANGES` (10025): an `SLTP` asking for the stops already set changes
/// nothing, so a resent modification is never applied twice.
#[test]
fn sltp_with_the_values_already_set_is_trade_retcode_no_changes() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let p = position(&t, open(&t, "EURUSD", OrderType::Buy, 0.1).order).unwrap();
    let request = sltp(&p, 1.099, 1.102);
    assert_eq!(t.order_send(&request).unwrap().retcode, Retcode::DONE);
    assert_eq!(t.order_send(&request).unwrap().retcode, Retcode::NO_CHANGES);
    assert_eq!(Retcode::NO_CHANGES.code(), 10025);
    let log = t.audit_modifications();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        (log[0].ticket, log[0].kind),
        (p.ticket, ModificationKind::Sltp)
    );
    assert_eq!((log[0].sl, log[0].tp), (1.099, 1.102));
}

/// `SYMBOL_TRADE_FREEZE_LEVEL`: once a buy's SL lies within the freeze level of the Bid
/// (`Bid − SL < FREEZE_LEVEL`), its stops may not be modified: `TRADE_RETCODE_FROZEN` (10029).
#[test]
fn sltp_within_the_freeze_level_is_frozen() {
    let (t, _) = still_market();
    let gbpusd = t.symbol_info("GBPUSD").unwrap().unwrap();
    assert_eq!((gbpusd.freeze_level, gbpusd.stops_level), (5, 10));
    t.set_bid("GBPUSD", 1.27).unwrap();
    let p = position(&t, open(&t, "GBPUSD", OrderType::Buy, 0.1).order).unwrap();
    assert_eq!(
        t.order_send(&sltp(&p, 1.2699, 0.0)).unwrap().retcode,
        Retcode::DONE
    );
    t.set_bid("GBPUSD", 1.26994).unwrap();
    let p = position(&t, p.ticket).expect("4 points above its stop loss, still open");
    let frozen = t.order_send(&sltp(&p, 1.2689, 0.0)).unwrap();
    assert_eq!(frozen.retcode, Retcode::FROZEN);
    assert_eq!(Retcode::FROZEN.code(), 10029);
    assert_eq!(position(&t, p.ticket).unwrap().sl, 1.2699);
}

/// A buy's stop loss triggers when the Bid falls to it: the server closes the position with a
/// deal of reason `DEAL_REASON_SL` at the Bid.
#[test]
fn a_buy_stop_loss_closes_the_position_when_the_bid_falls_to_it() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let p = position(&t, open(&t, "EURUSD", OrderType::Buy, 0.1).order).unwrap();
    assert_eq!(
        t.order_send(&sltp(&p, 1.099, 0.0)).unwrap().retcode,
        Retcode::DONE
    );
    t.set_bid("EURUSD", 1.09901).unwrap();
    assert!(position(&t, p.ticket).is_some(), "one point above its stop");
    t.set_bid("EURUSD", 1.099).unwrap();
    assert!(position(&t, p.ticket).is_none());
    let deal = t.audit_deals().pop().unwrap();
    assert_eq!(
        (deal.reason, deal.entry, deal.price),
        (DealReason::Sl, DealEntry::Out, 1.099)
    );
    assert_eq!((deal.position_id, deal.magic), (p.ticket, p.magic));
    // (1.09900 − 1.10012) × 0.1 × 100 000 = −11.20 USD.
    assert_eq!(deal.profit, -11.2);
}

/// A sell's take profit triggers when the Ask falls to it (a sell closes at the Ask): a deal of
/// reason `DEAL_REASON_TP`.
#[test]
fn a_sell_take_profit_closes_the_position_when_the_ask_falls_to_it() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let p = position(&t, open(&t, "EURUSD", OrderType::Sell, 0.1).order).unwrap();
    assert_eq!(
        t.order_send(&sltp(&p, 0.0, 1.0990)).unwrap().retcode,
        Retcode::DONE
    );
    t.set_bid("EURUSD", 1.09888 + POINT).unwrap();
    assert!(
        position(&t, p.ticket).is_some(),
        "the Ask is one point above"
    );
    t.set_bid("EURUSD", 1.09888).unwrap();
    assert!(position(&t, p.ticket).is_none());
    let deal = t.audit_deals().pop().unwrap();
    assert_eq!((deal.reason, deal.price), (DealReason::Tp, 1.099));
}

/// The trade server's books outlive the terminal: positions, their partial closes and stops,
/// and the modification log read back the same after a restart.
#[test]
fn positions_and_modifications_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let options = || SimulatorOptions {
        data_dir: Some(dir.path().to_owned()),
        ..SimulatorOptions::default()
    };
    let ticket = {
        let (t, _) = still_market_with(options());
        t.set_bid("EURUSD", 1.1).unwrap();
        let p = position(&t, open(&t, "EURUSD", OrderType::Buy, 0.3).order).unwrap();
        assert_eq!(
            t.order_send(&close(&t, &p, 0.1)).unwrap().retcode,
            Retcode::DONE
        );
        assert_eq!(
            t.order_send(&sltp(&p, 1.09, 0.0)).unwrap().retcode,
            Retcode::DONE
        );
        p.ticket
    };
    let (t, _) = still_market_with(options());
    let p = position(&t, ticket).unwrap();
    assert_eq!((p.volume, p.sl), (0.2, 1.09));
    assert_eq!(t.audit_modifications().len(), 1);
    assert_eq!(t.audit_deals().len(), 2);
}
