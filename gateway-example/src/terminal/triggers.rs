//! What the trade server does on its own as time passes and prices move: pending orders expire
//! or trigger, stop-limit orders place their limit order, and positions' stop loss and take
//! profit close them.
//!
//! The simulator runs [`expire`] at every call and [`on_tick`] on every price tick it makes, so
//! the books a client reads are the ones a live server would show at that moment. A triggered
//! order executes as a market order at the price that crossed it (a stop may slip past its
//! price, a limit fills at its price or better); if the account's free margin no longer covers
//! it, the server cancels it instead.

use super::ledger::{Batch, Ledger, LedgerError};
use super::moment::{closing_price, Moment, Quote};
use super::money::margin;
use super::outcome::storage;
use super::pending::expires_at_ms;
use super::positions::{close_fill, direction, open_fill, Closing};
use super::{DealReason, Order, OrderState, OrderType, Position, TerminalError};

/// Expires every pending order whose lifetime ended at or before `now_ms`, as of its expiry
/// time (`ORDER_STATE_EXPIRED`, `time_done_msc` the moment it expired).
pub(crate) fn expire(ledger: &mut Ledger, now_ms: u64) -> Result<(), LedgerError> {
    let expired: Vec<Order> = ledger
        .placed()
        .filter_map(|order| {
            let at = expires_at_ms(order.type_time, order.expiration, order.time_setup_msc)?;
            (at <= now_ms).then(|| Order {
                state: OrderState::Expired,
                time_done_msc: at,
                ..order.clone()
            })
        })
        .collect();
    ledger.commit(Batch {
        orders: expired,
        ..Batch::default()
    })
}

/// Whether `price` has reached `level` from below (`rising`) or from above, to the point.
fn reached(price: f64, level: f64, rising: bool, point: f64) -> bool {
    let tolerance = point / 2.0;
    if rising {
        price >= level - tolerance
    } else {
        price <= level + tolerance
    }
}

/// Whether the market triggers `order`: a buy limit when the Ask falls to its price, a buy stop
/// (or buy stop-limit) when the Ask rises to it, a sell limit when the Bid rises to it, a sell
/// stop (or sell stop-limit) when the Bid falls to it.
fn triggered(order: &Order, quote: Quote, point: f64) -> bool {
    let price = order.price_open;
    match order.order_type {
        OrderType::BuyLimit => reached(quote.ask, price, false, point),
        OrderType::BuyStop | OrderType::BuyStopLimit => reached(quote.ask, price, true, point),
        OrderType::SellLimit => reached(quote.bid, price, true, point),
        OrderType::SellStop | OrderType::SellStopLimit => reached(quote.bid, price, false, point),
        OrderType::Buy | OrderType::Sell => false,
    }
}

/// The pending order as it stands after this tick, with the deal and position it made.
fn settle(ledger: &mut Ledger, m: &Moment, mut order: Order, free_margin: &mut f64) -> Batch {
    let mut batch = Batch::default();
    if order.order_type.is_stop_limit() {
        // "Upon reaching the order price, a Buy Limit (Sell Limit) order is placed at the
        // StopLimit price": the simulator keeps the ticket and turns the order into it.
        order.order_type = if order.order_type.is_buy() {
            OrderType::BuyLimit
        } else {
            OrderType::SellLimit
        };
        order.price_open = order.price_stoplimit;
        order.price_stoplimit = 0.0;
        if !triggered(&order, m.quote, m.rules.point) {
            batch.orders.push(order);
            return batch;
        }
    }
    let side = direction(order.order_type);
    let price = if side == OrderType::Buy {
        m.quote.ask
    } else {
        m.quote.bid
    };
    order.time_done_msc = m.now_ms;
    let needed = margin(m.rules, order.volume_initial, price);
    if needed > *free_margin {
        order.state = OrderState::Canceled;
    } else {
        *free_margin -= needed;
        let deal_ticket = ledger.next_ticket();
        let (deal, position) =
            open_fill(&order, deal_ticket, order.volume_initial, price, m.now_ms);
        order.state = OrderState::Filled;
        order.position_id = order.ticket;
        batch.deals.push(deal);
        batch.positions.push(position);
    }
    batch.orders.push(order);
    batch
}

/// Which of a position's stops the market has reached, if any: a buy's SL when the Bid falls
/// to it and TP when the Bid rises to it; a sell's SL when the Ask rises to it and TP when the
/// Ask falls to it.
fn stop_hit(position: &Position, quote: Quote, point: f64) -> Option<(DealReason, f64)> {
    let buy = position.position_type.is_buy();
    let price = closing_price(position.position_type, quote.bid, quote.ask);
    if position.sl > 0.0 && reached(price, position.sl, !buy, point) {
        return Some((DealReason::Sl, position.sl));
    }
    if position.tp > 0.0 && reached(price, position.tp, buy, point) {
        return Some((DealReason::Tp, position.tp));
    }
    None
}

/// Runs the server's reaction to a new quote of `m.rules`' symbol: pending orders it crosses
/// trigger (with the account's free margin, `free_margin` of the books, to cover them), then
/// positions whose SL or TP it reaches close.
pub(crate) fn on_tick(
    ledger: &mut Ledger,
    m: &Moment,
    free_margin: impl FnOnce(&Ledger) -> f64,
) -> Result<(), TerminalError> {
    let crossed: Vec<Order> = ledger
        .placed()
        .filter(|o| o.symbol == m.rules.name && triggered(o, m.quote, m.rules.point))
        .cloned()
        .collect();
    let mut free_margin = if crossed.is_empty() {
        0.0
    } else {
        free_margin(ledger)
    };
    let mut batch = Batch::default();
    for order in crossed {
        let settled = settle(ledger, m, order, &mut free_margin);
        batch.orders.extend(settled.orders);
        batch.deals.extend(settled.deals);
        batch.positions.extend(settled.positions);
    }
    ledger.commit(batch).map_err(storage)?;
    let hits: Vec<(Position, DealReason, f64)> = ledger
        .open_positions()
        .iter()
        .filter(|p| p.symbol == m.rules.name)
        .filter_map(|p| {
            let (reason, level) = stop_hit(p, m.quote, m.rules.point)?;
            Some((p.clone(), reason, level))
        })
        .collect();
    for (position, reason, level) in hits {
        let tag = if reason == DealReason::Sl { "sl" } else { "tp" };
        let comment = format!("[{tag} {level}]");
        let closing = Closing {
            position: &position,
            volume: position.volume,
            price: closing_price(position.position_type, m.quote.bid, m.quote.ask),
            reason,
            magic: position.magic,
            comment: &comment,
        };
        close_fill(ledger, m, closing)?;
    }
    Ok(())
}
