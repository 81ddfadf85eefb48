//! The simulated trade server against MetaTrader 5's own rules, each test naming the MQL5
//! documentation it encodes ("Requirements and Limitations in Making Trades", the
//! `SYMBOL_*` properties, `ENUM_TRADE_RETCODE`).
//!
//! The simulated market moves up to 3 points on every `order_send`, so each distance below keeps
//! at least that much margin from the rule's boundary; the exact boundaries are unit-tested next
//! to the rules (`src/terminal/rules.rs`).

use gateway_example::terminal::{
    Filling, OrderTime, OrderType, Retcode, SimulatedTerminal, SimulatorOptions, SymbolInfo,
    Terminal, TradeAction, TradeRequest,
};

fn terminal() -> SimulatedTerminal {
    SimulatedTerminal::open(&SimulatorOptions::default()).unwrap()
}

fn info(terminal: &SimulatedTerminal, symbol: &str) -> SymbolInfo {
    terminal.symbol_info(symbol).unwrap().unwrap()
}

/// A market order at the current price, or a pending one at `price`, with no stops.
fn request(terminal: &SimulatedTerminal, symbol: &str, order_type: OrderType) -> TradeRequest {
    let quote = info(terminal, symbol);
    TradeRequest {
        action: TradeAction::placing(order_type),
        symbol: symbol.into(),
        volume: 0.01,
        order_type,
        price: if order_type.is_buy() {
            quote.ask
        } else {
            quote.bid
        },
        sl: 0.0,
        tp: 0.0,
        stoplimit: 0.0,
        deviation: 20,
        type_filling: Filling::preferred(&quote, order_type),
        type_time: OrderTime::Gtc,
        expiration: 0,
        magic: 1,
        comment: "mt5-rules".into(),
        position: 0,
        order: 0,
    }
}

fn retcode(terminal: &SimulatedTerminal, request: &TradeRequest) -> Retcode {
    terminal.order_send(request).unwrap().retcode
}

/// "Requirements and Limitations in Making Trades": a buy opens at the Ask but closes at the
/// Bid, so its stops are measured from the Bid: `Bid − SL ≥ SYMBOL_TRADE_STOPS_LEVEL` and
/// `TP − Bid ≥ SYMBOL_TRADE_STOPS_LEVEL`; otherwise `TRADE_RETCODE_INVALID_STOPS` (10016).
#[test]
fn buy_stops_are_measured_from_the_bid_symbol_trade_stops_level() {
    let t = terminal();
    let eurusd = info(&t, "EURUSD");
    assert_eq!(eurusd.stops_level, 10);
    let point = eurusd.point;

    let mut sl_too_close = request(&t, "EURUSD", OrderType::Buy);
    sl_too_close.sl = eurusd.round_price(eurusd.bid - 2.0 * point);
    assert_eq!(retcode(&t, &sl_too_close), Retcode::INVALID_STOPS);
    assert_eq!(Retcode::INVALID_STOPS.code(), 10016);

    let mut tp_far_enough = request(&t, "EURUSD", OrderType::Buy);
    let bid = info(&t, "EURUSD").bid;
    tp_far_enough.tp = eurusd.round_price(bid + 16.0 * point);
    assert_eq!(retcode(&t, &tp_far_enough), Retcode::DONE);
}

/// "Requirements and Limitations in Making Trades": a sell opens at the Bid but closes at the
/// Ask, so `SL − Ask ≥ SYMBOL_TRADE_STOPS_LEVEL` and `Ask − TP ≥ SYMBOL_TRADE_STOPS_LEVEL`.
#[test]
fn sell_stops_are_measured_from_the_ask_symbol_trade_stops_level() {
    let t = terminal();
    let eurusd = info(&t, "EURUSD");
    let point = eurusd.point;

    let mut sl_too_close = request(&t, "EURUSD", OrderType::Sell);
    sl_too_close.sl = eurusd.round_price(eurusd.ask + 2.0 * point);
    assert_eq!(retcode(&t, &sl_too_close), Retcode::INVALID_STOPS);

    let mut tp_far_enough = request(&t, "EURUSD", OrderType::Sell);
    let ask = info(&t, "EURUSD").ask;
    tp_far_enough.tp = eurusd.round_price(ask - 16.0 * point);
    assert_eq!(retcode(&t, &tp_far_enough), Retcode::DONE);
}

/// "Requirements and Limitations in Making Trades": a pending order's stops are measured from
/// its open price, and the open price itself keeps `SYMBOL_TRADE_STOPS_LEVEL` from the market
/// (`Ask − OpenPrice` for a buy limit).
#[test]
fn pending_stops_are_measured_from_the_open_price_symbol_trade_stops_level() {
    let t = terminal();
    let eurusd = info(&t, "EURUSD");
    let point = eurusd.point;
    let mut limit = request(&t, "EURUSD", OrderType::BuyLimit);
    limit.price = eurusd.round_price(eurusd.ask - 100.0 * point);
    limit.sl = eurusd.round_price(limit.price - 5.0 * point);
    assert_eq!(retcode(&t, &limit), Retcode::INVALID_STOPS);
    limit.sl = eurusd.round_price(limit.price - 10.0 * point);
    limit.tp = eurusd.round_price(limit.price + 10.0 * point);
    assert_eq!(retcode(&t, &limit), Retcode::PLACED);

    let mut too_close = request(&t, "EURUSD", OrderType::BuyLimit);
    too_close.price = eurusd.round_price(info(&t, "EURUSD").ask - 5.0 * point);
    assert_eq!(retcode(&t, &too_close), Retcode::INVALID_PRICE);
}

fn sized(
    terminal: &SimulatedTerminal,
    symbol: &str,
    order_type: OrderType,
    volume: f64,
) -> Retcode {
    let order = TradeRequest {
        volume,
        ..request(terminal, symbol, order_type)
    };
    retcode(terminal, &order)
}

/// `SYMBOL_VOLUME_STEP`: a volume is a whole number of steps, checked on the decimal the client
/// sent, not within a float tolerance; otherwise `TRADE_RETCODE_INVALID_VOLUME` (10014).
#[test]
fn volume_sits_exactly_on_the_symbol_volume_step_grid() {
    // Margin for 49.99 lots of USDJPY and more: the grid, not the money, is under test.
    let t = SimulatedTerminal::open(&SimulatorOptions {
        balance: 1_000_000.0,
        ..SimulatorOptions::default()
    })
    .unwrap();
    assert_eq!(
        sized(&t, "USDJPY", OrderType::Buy, 49.999999),
        Retcode::INVALID_VOLUME
    );
    assert_eq!(
        sized(&t, "EURUSD", OrderType::Buy, 0.0100000001),
        Retcode::INVALID_VOLUME
    );
    assert_eq!(Retcode::INVALID_VOLUME.code(), 10014);
    // 0.07 is no exact multiple of 0.01 in binary, yet it is 7 steps as the client wrote it.
    assert_eq!(sized(&t, "EURUSD", OrderType::Buy, 0.07), Retcode::DONE);
    assert_eq!(sized(&t, "USDJPY", OrderType::Buy, 49.99), Retcode::DONE);
}

/// `SYMBOL_VOLUME_MIN` and `SYMBOL_VOLUME_MAX` bound one order's volume.
#[test]
fn volume_lies_within_symbol_volume_min_and_symbol_volume_max() {
    let t = terminal();
    assert_eq!(
        sized(&t, "EURUSD", OrderType::Buy, 0.005),
        Retcode::INVALID_VOLUME
    );
    assert_eq!(
        sized(&t, "XAUUSD", OrderType::BuyLimit, 50.01),
        Retcode::INVALID_VOLUME
    );
    assert_eq!(
        sized(&t, "EURUSD", OrderType::Buy, 0.0),
        Retcode::INVALID_VOLUME
    );
}

/// `SYMBOL_VOLUME_LIMIT`: "the maximum allowed aggregate volume of an open position and pending
/// orders in one direction (buy or sell) for a symbol"; past it, `TRADE_RETCODE_LIMIT_VOLUME`
/// (10034). The other direction has its own allowance.
#[test]
fn symbol_volume_limit_caps_positions_and_orders_in_one_direction() {
    let t = terminal();
    let eurchf = info(&t, "EURCHF");
    assert_eq!(eurchf.volume_limit, 1.0);
    assert_eq!(sized(&t, "EURCHF", OrderType::Buy, 0.6), Retcode::DONE);
    let mut limit = request(&t, "EURCHF", OrderType::BuyLimit);
    limit.volume = 0.4;
    limit.price = eurchf.round_price(eurchf.ask - 100.0 * eurchf.point);
    assert_eq!(retcode(&t, &limit), Retcode::PLACED);
    assert_eq!(
        sized(&t, "EURCHF", OrderType::Buy, 0.01),
        Retcode::LIMIT_VOLUME
    );
    assert_eq!(Retcode::LIMIT_VOLUME.code(), 10034);
    assert_eq!(sized(&t, "EURCHF", OrderType::Sell, 1.0), Retcode::DONE);
    assert_eq!(
        sized(&t, "EURCHF", OrderType::Sell, 0.01),
        Retcode::LIMIT_VOLUME
    );
}

fn pending_at(terminal: &SimulatedTerminal, order_type: OrderType, price: f64) -> TradeRequest {
    TradeRequest {
        price,
        ..request(terminal, "EURUSD", order_type)
    }
}

/// `TRADE_RETCODE_INVALID_PRICE` (10015) for a price that is no price: not finite, not
/// positive, or absurdly far from the market (a buy stop at 1e300 was placed).
#[test]
fn a_price_that_is_no_price_is_trade_retcode_invalid_price() {
    let t = terminal();
    for price in [1e300, 1e6, f64::INFINITY, f64::NAN, 0.0, -1.1] {
        let order = pending_at(&t, OrderType::BuyStop, price);
        assert_eq!(retcode(&t, &order), Retcode::INVALID_PRICE, "{price:e}");
    }
    assert_eq!(Retcode::INVALID_PRICE.code(), 10015);
    assert!(t.audit_orders().is_empty());
}

/// `SYMBOL_DIGITS`: the trade server refuses a price that is not normalised to the symbol's
/// digits (MQL5's `NormalizeDouble` exists for this) with `TRADE_RETCODE_INVALID_PRICE`, and
/// unnormalised stops with `TRADE_RETCODE_INVALID_STOPS`; it never rounds them itself.
#[test]
fn prices_off_symbol_digits_are_refused_not_rounded() {
    let t = terminal();
    let eurusd = info(&t, "EURUSD");
    assert_eq!(eurusd.digits, 5);
    let price = eurusd.round_price(eurusd.ask - 100.0 * eurusd.point);
    let off = pending_at(&t, OrderType::BuyLimit, price + 0.000001);
    assert_eq!(retcode(&t, &off), Retcode::INVALID_PRICE);
    let arithmetic = pending_at(&t, OrderType::BuyLimit, 1.1 - 0.0351);
    assert_ne!(
        arithmetic.price.to_string(),
        "1.0649",
        "float noise is a real case"
    );
    assert_eq!(retcode(&t, &arithmetic), Retcode::INVALID_PRICE);
    let mut sl_off = pending_at(&t, OrderType::BuyLimit, price);
    sl_off.sl = price - 0.0010001;
    assert_eq!(retcode(&t, &sl_off), Retcode::INVALID_STOPS);
    let on = pending_at(&t, OrderType::BuyLimit, price);
    assert_eq!(retcode(&t, &on), Retcode::PLACED);
    assert_eq!(t.audit_orders().len(), 1);
}

/// `request` with the MetaTrader5 Python package's `type_filling` field set to `filling`.
fn filled(request: &TradeRequest, filling: serde_json::Value) -> TradeRequest {
    let mut value = serde_json::to_value(request).unwrap();
    value["type_filling"] = filling;
    serde_json::from_value(value).unwrap()
}

/// `SYMBOL_FILLING_MODE`: a symbol lists the fill policies it allows as flags
/// (`SYMBOL_FILLING_FOK` = 1, `SYMBOL_FILLING_IOC` = 2), and `SYMBOL_INFO` shows them.
#[test]
fn symbol_info_shows_symbol_filling_mode_flags() {
    let t = terminal();
    let shown = |symbol| serde_json::to_value(info(&t, symbol)).unwrap()["filling_mode"].clone();
    assert_eq!(shown("EURUSD"), 3, "FOK and IOC");
    assert_eq!(shown("USDJPY"), 2, "IOC only");
    assert_eq!(shown("XAUUSD"), 1, "FOK only");
}

/// `ENUM_ORDER_TYPE_FILLING` against `SYMBOL_FILLING_MODE`: a fill policy the symbol does not
/// allow is `TRADE_RETCODE_INVALID_FILL` (10030). In market execution, `ORDER_FILLING_RETURN`
/// is for pending orders only. The Python package's numbers (FOK 0, IOC 1, RETURN 2) and the
/// constants' names are both accepted.
#[test]
fn a_fill_policy_the_symbol_does_not_allow_is_trade_retcode_invalid_fill() {
    let t = terminal();
    let buy = |symbol| request(&t, symbol, OrderType::Buy);
    let send = |order: TradeRequest| retcode(&t, &order);
    assert_eq!(
        send(filled(&buy("USDJPY"), 0.into())),
        Retcode::INVALID_FILL
    );
    assert_eq!(
        send(filled(&buy("XAUUSD"), "ORDER_FILLING_IOC".into())),
        Retcode::INVALID_FILL
    );
    assert_eq!(
        send(filled(&buy("EURUSD"), 2.into())),
        Retcode::INVALID_FILL
    );
    assert_eq!(Retcode::INVALID_FILL.code(), 10030);
    assert_eq!(send(filled(&buy("USDJPY"), 1.into())), Retcode::DONE);
    assert_eq!(
        send(filled(&buy("XAUUSD"), "ORDER_FILLING_FOK".into())),
        Retcode::DONE
    );
    let eurusd = info(&t, "EURUSD");
    let mut limit = request(&t, "EURUSD", OrderType::BuyLimit);
    limit.price = eurusd.round_price(eurusd.ask - 100.0 * eurusd.point);
    assert_eq!(
        send(filled(&limit, "ORDER_FILLING_RETURN".into())),
        Retcode::PLACED
    );
}

/// `ORDER_FILLING_FOK` ("Fill or Kill") never fills part of an order; `ORDER_FILLING_IOC`
/// ("Immediate or Cancel") fills what it can and cancels the rest (`TRADE_RETCODE_DONE_PARTIAL`).
#[test]
fn only_immediate_or_cancel_fills_part_of_an_order() {
    let t = terminal();
    let order = TradeRequest {
        volume: 0.1,
        ..request(&t, "EURUSD", OrderType::Buy)
    };
    t.inject([gateway_example::terminal::Fault::PartialFill]);
    let fok = t.order_send(&filled(&order, 0.into())).unwrap();
    assert_eq!((fok.retcode, fok.volume), (Retcode::DONE, 0.1));
    t.inject([gateway_example::terminal::Fault::PartialFill]);
    let ioc = t.order_send(&filled(&order, 1.into())).unwrap();
    assert_eq!((ioc.retcode, ioc.volume), (Retcode::DONE_PARTIAL, 0.05));
}

/// `ENUM_TRADE_RETCODE`: every code MQL5 defines, from `TRADE_RETCODE_REQUOTE` (10004) through
/// `TRADE_RETCODE_HEDGE_PROHIBITED` (10046), reads back with its number and name.
#[test]
fn enum_trade_retcode_is_known_through_10046() {
    let newest = [
        (10038, "TRADE_RETCODE_INVALID_CLOSE_VOLUME"),
        (10039, "TRADE_RETCODE_CLOSE_ORDER_EXIST"),
        (10040, "TRADE_RETCODE_LIMIT_POSITIONS"),
        (10041, "TRADE_RETCODE_REJECT_CANCEL"),
        (10042, "TRADE_RETCODE_LONG_ONLY"),
        (10043, "TRADE_RETCODE_SHORT_ONLY"),
        (10044, "TRADE_RETCODE_CLOSE_ONLY"),
        (10045, "TRADE_RETCODE_FIFO_CLOSE"),
        (10046, "TRADE_RETCODE_HEDGE_PROHIBITED"),
    ];
    for (code, name) in newest {
        let retcode = Retcode::from_code(code).unwrap_or_else(|| panic!("{code} is unknown"));
        assert_eq!((retcode.code(), retcode.name()), (code, name));
    }
    // MQL5 leaves 10005 and 10037 unused; every other number in the range is a named code.
    let known = (10004..=10046)
        .filter(|code| Retcode::from_code(*code).is_some())
        .count();
    assert_eq!(known, 43 - 2);
}

/// A retcode newer than this gateway (a terminal may answer one) is carried through with its
/// number, not refused: it reads, serializes back unchanged, and counts as ambiguous, so the
/// gateway looks the order up before it sends it again.
#[test]
fn an_unknown_retcode_is_carried_through_not_refused() {
    let answer = serde_json::json!({
        "retcode": 10099, "deal": 0, "order": 0, "volume": 0.0, "price": 0.0, "bid": 1.0, "ask": 1.0
    });
    let result: gateway_example::terminal::TradeResult =
        serde_json::from_value(answer.clone()).expect("an unknown retcode reads");
    assert_eq!(result.retcode.code(), 10099);
    assert_eq!(serde_json::to_value(&result).unwrap(), answer);
    assert_eq!(
        result.retcode.class(),
        gateway_example::terminal::RetcodeClass::Ambiguous
    );
}

/// `ORDER_TYPE_BUY_STOP_LIMIT` (6) and `ORDER_TYPE_SELL_STOP_LIMIT` (7): "upon reaching the
/// order price, a pending Buy Limit (Sell Limit) order is placed at the StopLimit price"
/// (`ORDER_PRICE_STOPLIMIT`, the request's `stoplimit`). The stop price obeys the stop order's
/// rule (`Price − Ask ≥ SYMBOL_TRADE_STOPS_LEVEL` for a buy), the limit lies on the limit
/// order's side of it (below for a buy, above for a sell), and the stops are measured from the
/// StopLimit price, where the position would open.
#[test]
fn stop_limit_orders_carry_order_price_stoplimit() {
    let t = terminal();
    let eurusd = info(&t, "EURUSD");
    let at = |points: f64, from: f64| eurusd.round_price(from + points * eurusd.point);
    let send = |order_type: u32, price: f64, stoplimit: f64, sl: f64| {
        let mut value = serde_json::to_value(request(&t, "EURUSD", OrderType::BuyStop)).unwrap();
        value["type"] = order_type.into();
        value["price"] = price.into();
        value["stoplimit"] = stoplimit.into();
        value["sl"] = sl.into();
        let order: TradeRequest = serde_json::from_value(value).expect("stop-limit types read");
        retcode(&t, &order)
    };
    let (bid, ask) = (eurusd.bid, eurusd.ask);
    assert_eq!(send(6, at(100.0, ask), at(50.0, ask), 0.0), Retcode::PLACED);
    assert_eq!(
        send(7, at(-100.0, bid), at(-50.0, bid), 0.0),
        Retcode::PLACED
    );
    assert_eq!(
        send(6, at(100.0, ask), at(150.0, ask), 0.0),
        Retcode::INVALID_PRICE,
        "a buy's limit above its stop"
    );
    assert_eq!(
        send(6, at(100.0, ask), 0.0, 0.0),
        Retcode::INVALID_PRICE,
        "no stoplimit"
    );
    assert_eq!(
        send(6, at(100.0, ask), at(50.0, ask), at(45.0, ask)),
        Retcode::INVALID_STOPS,
        "SL 5 points under the StopLimit price"
    );
    assert_eq!(
        send(6, at(100.0, ask), at(50.0, ask), at(40.0, ask)),
        Retcode::PLACED
    );
    let placed = t.audit_orders();
    assert_eq!(placed.len(), 3);
    assert_eq!(placed[0].order_type, OrderType::BuyStopLimit);
    assert_eq!(placed[0].price_stoplimit, at(50.0, ask));
}
