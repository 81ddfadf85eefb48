//! Pending orders on the simulated trade server against MetaTrader 5's rules: when they
//! trigger, when they expire, and how `TRADE_ACTION_MODIFY` and `TRADE_ACTION_REMOVE` change
//! them. Each test names the MQL5 behaviour it encodes.
//!
//! Prices move only when a test sets them and time only when it advances the clock, so every
//! boundary below is exact.

mod mt5_support;

use std::time::Duration;

use gateway_example::terminal::{
    DealEntry, DealReason, HistoryFilter, ModificationKind, Order, OrderState, OrderTime,
    OrderType, Retcode, SimulatedTerminal, Terminal, TradeAction, TradeRequest,
};
use mt5_support::{blank, pending, position, still_market, WEDNESDAY_NOON_MS};

fn on_book(t: &SimulatedTerminal, ticket: u64) -> Option<Order> {
    let filter = HistoryFilter {
        ticket: Some(ticket),
        ..HistoryFilter::default()
    };
    t.orders_get(&filter).unwrap().pop()
}

fn in_history(t: &SimulatedTerminal, ticket: u64) -> Option<Order> {
    let filter = HistoryFilter {
        ticket: Some(ticket),
        ..HistoryFilter::default()
    };
    t.history_orders_get(&filter).unwrap().pop()
}

fn place(t: &SimulatedTerminal, request: &TradeRequest) -> u64 {
    let placed = t.order_send(request).unwrap();
    assert_eq!(placed.retcode, Retcode::PLACED, "{request:?}");
    placed.order
}

/// `ORDER_TYPE_BUY_LIMIT`: "a Buy Limit is placed below the market and fills when the Ask
/// falls to its price": the order leaves the book `ORDER_STATE_FILLED`, and its deal opens a
/// position under the order's ticket.
#[test]
fn a_buy_limit_fills_when_the_ask_falls_to_its_price() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let ticket = place(&t, &pending("EURUSD", OrderType::BuyLimit, 1.099));
    t.set_bid("EURUSD", 1.09889).unwrap();
    assert!(
        on_book(&t, ticket).is_some(),
        "the Ask is 1.09901, a point above"
    );
    t.set_bid("EURUSD", 1.09888).unwrap();
    assert!(on_book(&t, ticket).is_none());
    let done = in_history(&t, ticket).unwrap();
    assert_eq!((done.state, done.position_id), (OrderState::Filled, ticket));
    assert_eq!(done.time_done_msc, WEDNESDAY_NOON_MS);
    let deal = t.audit_deals().pop().unwrap();
    assert_eq!(
        (deal.order, deal.entry, deal.reason),
        (ticket, DealEntry::In, DealReason::Expert)
    );
    assert_eq!(
        (deal.order_type, deal.price, deal.volume),
        (OrderType::Buy, 1.099, 0.1)
    );
    assert_eq!(position(&t, ticket).unwrap().price_open, 1.099);
}

/// The other pending types trigger on their own side: a Buy Stop when the Ask rises to its
/// price, a Sell Limit when the Bid rises to it, a Sell Stop when the Bid falls to it.
#[test]
fn buy_stop_sell_limit_and_sell_stop_trigger_on_their_side_of_the_market() {
    for (order_type, price, short_of_it, at_it) in [
        (OrderType::BuyStop, 1.101, 1.10087, 1.10088),
        (OrderType::SellLimit, 1.101, 1.10099, 1.101),
        (OrderType::SellStop, 1.099, 1.09901, 1.099),
    ] {
        let (t, _) = still_market();
        t.set_bid("EURUSD", 1.1).unwrap();
        let ticket = place(&t, &pending("EURUSD", order_type, price));
        t.set_bid("EURUSD", short_of_it).unwrap();
        assert!(
            on_book(&t, ticket).is_some(),
            "{order_type:?} at bid {short_of_it}"
        );
        t.set_bid("EURUSD", at_it).unwrap();
        let done = in_history(&t, ticket).unwrap_or_else(|| panic!("{order_type:?} did not fill"));
        assert_eq!(done.state, OrderState::Filled);
        assert_eq!(
            position(&t, ticket).unwrap().position_type.is_buy(),
            order_type.is_buy()
        );
    }
}

/// `ORDER_TYPE_BUY_STOP_LIMIT`: "upon reaching the order price, a pending Buy Limit order is
/// placed at the StopLimit price"; that limit then fills when the Ask falls to it.
#[test]
fn a_buy_stop_limit_places_its_buy_limit_at_the_stoplimit_price() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let request = TradeRequest {
        stoplimit: 1.1005,
        ..pending("EURUSD", OrderType::BuyStopLimit, 1.101)
    };
    let ticket = place(&t, &request);
    t.set_bid("EURUSD", 1.10088).unwrap();
    let limit = on_book(&t, ticket).expect("the limit order is on the book");
    assert_eq!(
        (limit.order_type, limit.price_open),
        (OrderType::BuyLimit, 1.1005)
    );
    assert!(
        position(&t, ticket).is_none(),
        "the Ask 1.10100 is above the limit"
    );
    t.set_bid("EURUSD", 1.10038).unwrap();
    assert_eq!(position(&t, ticket).unwrap().price_open, 1.1005);
}

/// `ORDER_TIME_SPECIFIED`: the order lives until `expiration` and then leaves the book
/// `ORDER_STATE_EXPIRED`, at that moment.
#[test]
fn order_time_specified_expires_at_expiration() {
    let (t, clock) = still_market();
    let expiration = WEDNESDAY_NOON_MS / 1000 + 60;
    let request = TradeRequest {
        type_time: OrderTime::Specified,
        expiration,
        ..pending("EURUSD", OrderType::BuyLimit, 1.08)
    };
    let ticket = place(&t, &request);
    clock.advance(Duration::from_millis(59_999));
    assert!(on_book(&t, ticket).is_some());
    clock.advance(Duration::from_millis(1));
    assert!(on_book(&t, ticket).is_none());
    let expired = in_history(&t, ticket).unwrap();
    assert_eq!(expired.state, OrderState::Expired);
    assert_eq!(expired.time_done_msc, expiration * 1000);
}

/// `ORDER_TIME_DAY`: "the order is valid till the end of the current trading day" (UTC here).
#[test]
fn order_time_day_expires_at_the_end_of_the_day() {
    let (t, clock) = still_market();
    let request = TradeRequest {
        type_time: OrderTime::Day,
        ..pending("EURUSD", OrderType::BuyLimit, 1.08)
    };
    let ticket = place(&t, &request);
    clock.advance(Duration::from_secs(12 * 3600) - Duration::from_millis(1));
    assert!(on_book(&t, ticket).is_some(), "23:59:59.999");
    clock.advance(Duration::from_millis(1));
    let expired = in_history(&t, ticket).unwrap();
    assert_eq!(expired.state, OrderState::Expired);
    assert_eq!(expired.time_done_msc, WEDNESDAY_NOON_MS + 12 * 3_600_000);
}

/// `TRADE_RETCODE_INVALID_EXPIRATION` (10022): an `ORDER_TIME_SPECIFIED` order whose
/// expiration has already passed, or is missing, is not placed.
#[test]
fn a_past_expiration_is_trade_retcode_invalid_expiration() {
    let (t, _) = still_market();
    for expiration in [WEDNESDAY_NOON_MS / 1000, 0] {
        let request = TradeRequest {
            type_time: OrderTime::Specified,
            expiration,
            ..pending("EURUSD", OrderType::BuyLimit, 1.08)
        };
        let answer = t.order_send(&request).unwrap();
        assert_eq!(answer.retcode, Retcode::INVALID_EXPIRATION, "{expiration}");
    }
    assert!(t.audit_orders().is_empty());
}

fn modify(ticket: u64, price: f64, sl: f64) -> TradeRequest {
    TradeRequest {
        order: ticket,
        price,
        sl,
        ..blank(TradeAction::Modify, "EURUSD")
    }
}

/// `TRADE_ACTION_MODIFY` moves a pending order under the rules of placing it; the same values
/// again are `TRADE_RETCODE_NO_CHANGES`, so a resend is never applied twice.
#[test]
fn modify_moves_a_pending_order_and_a_resend_is_no_changes() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let ticket = place(&t, &pending("EURUSD", OrderType::BuyLimit, 1.09));
    let answer = t.order_send(&modify(ticket, 1.095, 1.094)).unwrap();
    assert_eq!((answer.retcode, answer.order), (Retcode::DONE, ticket));
    let moved = on_book(&t, ticket).unwrap();
    assert_eq!((moved.price_open, moved.sl), (1.095, 1.094));
    let again = t.order_send(&modify(ticket, 1.095, 1.094)).unwrap();
    assert_eq!(again.retcode, Retcode::NO_CHANGES);
    let wrong_side = t.order_send(&modify(ticket, 1.1005, 0.0)).unwrap();
    assert_eq!(
        wrong_side.retcode,
        Retcode::INVALID_PRICE,
        "a buy limit above the Ask"
    );
    let log = t.audit_modifications();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].kind, log[0].price, log[0].sl),
        (ModificationKind::Modify, 1.095, 1.094)
    );
}

/// `TRADE_ACTION_REMOVE` deletes a pending order: it leaves the book `ORDER_STATE_CANCELED`
/// with `ORDER_TIME_DONE_MSC` set. An order not on the book (unknown, or already deleted) is
/// `TRADE_RETCODE_INVALID_ORDER`.
#[test]
fn remove_cancels_a_pending_order_once() {
    let (t, clock) = still_market();
    let ticket = place(&t, &pending("EURUSD", OrderType::BuyLimit, 1.08));
    clock.advance(Duration::from_millis(250));
    let remove = TradeRequest {
        order: ticket,
        ..blank(TradeAction::Remove, "")
    };
    let answer = t.order_send(&remove).unwrap();
    assert_eq!((answer.retcode, answer.order), (Retcode::DONE, ticket));
    let cancelled = in_history(&t, ticket).unwrap();
    assert_eq!(cancelled.state, OrderState::Canceled);
    assert_eq!(cancelled.time_done_msc, WEDNESDAY_NOON_MS + 250);
    assert_eq!(
        t.order_send(&remove).unwrap().retcode,
        Retcode::INVALID_ORDER
    );
    let unknown = TradeRequest {
        order: 7,
        ..blank(TradeAction::Remove, "EURUSD")
    };
    assert_eq!(
        t.order_send(&unknown).unwrap().retcode,
        Retcode::INVALID_ORDER
    );
    assert_eq!(t.audit_modifications().len(), 1);
}

/// `SYMBOL_TRADE_FREEZE_LEVEL`: a pending order whose price lies within the freeze level of
/// the price it triggers on (`Ask − price` for a buy limit) may be neither modified nor
/// deleted: `TRADE_RETCODE_FROZEN`.
#[test]
fn a_pending_order_within_the_freeze_level_is_frozen() {
    let (t, _) = still_market();
    t.set_bid("GBPUSD", 1.27).unwrap();
    let ticket = place(&t, &pending("GBPUSD", OrderType::BuyLimit, 1.27004));
    t.set_bid("GBPUSD", 1.26992).unwrap();
    let remove = TradeRequest {
        order: ticket,
        ..blank(TradeAction::Remove, "GBPUSD")
    };
    assert_eq!(t.order_send(&remove).unwrap().retcode, Retcode::FROZEN);
    let modify = TradeRequest {
        order: ticket,
        price: 1.269,
        ..blank(TradeAction::Modify, "GBPUSD")
    };
    assert_eq!(t.order_send(&modify).unwrap().retcode, Retcode::FROZEN);
    assert!(on_book(&t, ticket).is_some());
    t.set_bid("GBPUSD", 1.27).unwrap();
    assert_eq!(t.order_send(&remove).unwrap().retcode, Retcode::DONE);
}

/// A pending order holds no margin while it waits; if, when it triggers, the account's free
/// margin no longer covers it, the server does not open the position and the order leaves the
/// book `ORDER_STATE_CANCELED` (the simulator's reading of MT5's "rejected on activation").
#[test]
fn a_triggered_order_the_free_margin_no_longer_covers_is_cancelled() {
    let (t, _) = still_market();
    t.set_bid("EURUSD", 1.1).unwrap();
    let big = TradeRequest {
        volume: 30.0,
        ..pending("EURUSD", OrderType::BuyLimit, 1.099)
    };
    let ticket = place(&t, &big);
    // 20 lots hold 22 002.40 of margin, leaving less than the 32 970 the limit needs at 1.099.
    let opened = mt5_support::open(&t, "EURUSD", OrderType::Buy, 20.0);
    assert_eq!(opened.retcode, Retcode::DONE);
    t.set_bid("EURUSD", 1.09888).unwrap();
    let done = in_history(&t, ticket).unwrap();
    assert_eq!(done.state, OrderState::Canceled);
    assert!(position(&t, ticket).is_none());
}

/// Outside the symbol's trading session nothing triggers: the order waits for the market to
/// open, and triggers on the first quote that crosses it then.
#[test]
fn pending_orders_wait_while_the_session_is_closed() {
    let (t, clock) = still_market();
    t.set_bid("GER40", 18_000.0).unwrap();
    let request = TradeRequest {
        volume: 0.1,
        ..pending("GER40", OrderType::BuyLimit, 17_900.0)
    };
    let ticket = place(&t, &request);
    clock.set_ms(WEDNESDAY_NOON_MS + 10 * 3_600_000);
    t.set_bid("GER40", 17_880.0).unwrap();
    assert!(
        on_book(&t, ticket).is_some(),
        "22:00: the session is closed"
    );
    clock.set_ms(WEDNESDAY_NOON_MS + 19 * 3_600_000);
    t.set_bid("GER40", 17_880.0).unwrap();
    assert_eq!(
        in_history(&t, ticket).unwrap().state,
        OrderState::Filled,
        "Thursday 07:00"
    );
}
