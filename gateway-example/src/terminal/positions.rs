//! Positions on a hedging account: opened by a fill, closed in whole or in part by an opposite
//! deal naming them (`TRADE_ACTION_DEAL` with `position`), and their stops changed by
//! `TRADE_ACTION_SLTP`.
//!
//! Each opening deal opens its own position, whose ticket is the opening order's
//! (`POSITION_TICKET` = `POSITION_IDENTIFIER`); a partial close leaves the rest open under the
//! same ticket.

use super::filling::filled_volume;
use super::ledger::{Batch, Ledger};
use super::modification::{Modification, ModificationKind};
use super::moment::{market_is_open, market_price, Moment};
use super::money::profit;
use super::outcome::{storage, Outcome};
use super::rules::{
    check_order, position_is_frozen, position_stops_are_valid, price_is_normalised,
};
use super::volume;
use super::{
    Deal, DealEntry, DealReason, Fault, Order, OrderState, OrderTime, OrderType, Position, Retcode,
    TradeRequest, TradeResult,
};

/// The market order that moves a position of `order_type`'s direction.
pub(crate) fn direction(order_type: OrderType) -> OrderType {
    if order_type.is_buy() {
        OrderType::Buy
    } else {
        OrderType::Sell
    }
}

fn opposite(order_type: OrderType) -> OrderType {
    if order_type.is_buy() {
        OrderType::Sell
    } else {
        OrderType::Buy
    }
}

/// The deal and the new position an opening fill of `order` makes: `volume` lots at `price`.
pub(crate) fn open_fill(
    order: &Order,
    deal_ticket: u64,
    volume: f64,
    price: f64,
    now_ms: u64,
) -> (Deal, Position) {
    let side = direction(order.order_type);
    let deal = Deal {
        ticket: deal_ticket,
        order: order.ticket,
        time_msc: now_ms,
        symbol: order.symbol.clone(),
        order_type: side,
        entry: DealEntry::In,
        position_id: order.ticket,
        reason: DealReason::Expert,
        volume,
        price,
        profit: 0.0,
        magic: order.magic,
        comment: order.comment.clone(),
    };
    let position = Position {
        ticket: order.ticket,
        time_msc: now_ms,
        time_update_msc: now_ms,
        symbol: order.symbol.clone(),
        position_type: side,
        volume,
        price_open: price,
        sl: order.sl,
        tp: order.tp,
        price_current: price,
        profit: 0.0,
        magic: order.magic,
        comment: order.comment.clone(),
    };
    (deal, position)
}

/// A closing fill to book: who closes how much of which position, at what price.
pub(crate) struct Closing<'a> {
    pub(crate) position: &'a Position,
    pub(crate) volume: f64,
    pub(crate) price: f64,
    pub(crate) reason: DealReason,
    pub(crate) magic: u64,
    /// The comment as the client asked for it (the broker may rewrite it).
    pub(crate) comment: &'a str,
}

/// Books a closing fill: a filled closing order, its deal (entry OUT, realised profit), and the
/// position left with less volume or closed. The result names the order and the deal.
pub(crate) fn close_fill(
    ledger: &mut Ledger,
    m: &Moment,
    closing: Closing,
) -> Result<TradeResult, super::TerminalError> {
    let (position, volume) = (closing.position, closing.volume);
    let order_ticket = ledger.next_ticket();
    let deal_ticket = ledger.next_ticket();
    let comment = m.broker.comment(closing.comment, order_ticket);
    let side = opposite(position.position_type);
    let realised = profit(
        m.rules,
        position.position_type,
        volume,
        position.price_open,
        closing.price,
    );
    let mut batch = Batch::default();
    batch.orders.push(Order {
        ticket: order_ticket,
        time_setup_msc: m.now_ms,
        time_done_msc: m.now_ms,
        symbol: position.symbol.clone(),
        order_type: side,
        state: OrderState::Filled,
        volume_initial: volume,
        price_open: closing.price,
        price_stoplimit: 0.0,
        sl: 0.0,
        tp: 0.0,
        type_time: OrderTime::Gtc,
        expiration: 0,
        position_id: position.ticket,
        magic: closing.magic,
        comment: comment.clone(),
    });
    batch.deals.push(Deal {
        ticket: deal_ticket,
        order: order_ticket,
        time_msc: m.now_ms,
        symbol: position.symbol.clone(),
        order_type: side,
        entry: DealEntry::Out,
        position_id: position.ticket,
        reason: closing.reason,
        volume,
        price: closing.price,
        profit: realised,
        magic: closing.magic,
        comment,
    });
    let step = m.rules.volume_step;
    let left = volume::booked_steps(position.volume, step)
        .saturating_sub(volume::booked_steps(volume, step));
    if left == 0 {
        batch.closed.push(position.ticket);
    } else {
        batch.positions.push(Position {
            volume: m.rules.round_volume(left as f64 * step),
            time_update_msc: m.now_ms,
            ..position.clone()
        });
    }
    ledger.commit(batch).map_err(storage)?;
    Ok(TradeResult {
        retcode: Retcode::DONE,
        deal: deal_ticket,
        order: order_ticket,
        volume,
        price: closing.price,
        ..m.quote.refused(Retcode::DONE)
    })
}

/// `TRADE_ACTION_DEAL` with `position`: closes all or part of that position by an opposite
/// market order. An unknown or closed position is `POSITION_CLOSED` (10036); a volume above
/// the position's is `INVALID_CLOSE_VOLUME` (10038); a same-direction order is `INVALID_ORDER`.
pub(crate) fn close(
    ledger: &mut Ledger,
    m: &Moment,
    request: &TradeRequest,
    fault: Option<Fault>,
) -> Outcome {
    let Some(position) = ledger.position(request.position).cloned() else {
        return Ok(Err(Retcode::POSITION_CLOSED));
    };
    if position.symbol != m.rules.name {
        return Ok(Err(Retcode::INVALID));
    }
    if !request.order_type.is_market()
        || request.order_type.is_buy() == position.position_type.is_buy()
    {
        return Ok(Err(Retcode::INVALID_ORDER));
    }
    if let Err(retcode) = check_order(m, request) {
        return Ok(Err(retcode));
    }
    let step = m.rules.volume_step;
    let asked = volume::steps(request.volume, step).unwrap_or(u64::MAX);
    if asked > volume::booked_steps(position.volume, step) {
        return Ok(Err(Retcode::INVALID_CLOSE_VOLUME));
    }
    let price = match market_price(m, request) {
        Ok(price) => price,
        Err(retcode) => return Ok(Err(retcode)),
    };
    let (volume, retcode) = filled_volume(m.rules, request, fault);
    let closing = Closing {
        position: &position,
        volume,
        price,
        reason: DealReason::Expert,
        magic: request.magic,
        comment: &request.comment,
    };
    let mut result = close_fill(ledger, m, closing)?;
    result.retcode = retcode;
    Ok(Ok(result))
}

/// `TRADE_ACTION_SLTP`: sets a position's stop loss and take profit (0 removes one). Values
/// already set are `NO_CHANGES` (10025); stops within `SYMBOL_TRADE_FREEZE_LEVEL` of the market
/// are `FROZEN` (10029); new stops keep `SYMBOL_TRADE_STOPS_LEVEL` from the closing price.
pub(crate) fn sltp(ledger: &mut Ledger, m: &Moment, request: &TradeRequest) -> Outcome {
    let Some(position) = ledger.position(request.position).cloned() else {
        return Ok(Err(Retcode::POSITION_CLOSED));
    };
    if position.symbol != m.rules.name {
        return Ok(Err(Retcode::INVALID));
    }
    if let Err(retcode) = market_is_open(m) {
        return Ok(Err(retcode));
    }
    let normalised = |stop: f64| stop == 0.0 || price_is_normalised(m.rules, stop);
    if !normalised(request.sl) || !normalised(request.tp) {
        return Ok(Err(Retcode::INVALID_STOPS));
    }
    if position.sl == request.sl && position.tp == request.tp {
        return Ok(Err(Retcode::NO_CHANGES));
    }
    if position_is_frozen(m.rules, &position, m.quote) {
        return Ok(Err(Retcode::FROZEN));
    }
    if !position_stops_are_valid(m.rules, &position, request.sl, request.tp, m.quote) {
        return Ok(Err(Retcode::INVALID_STOPS));
    }
    let batch = Batch {
        modifications: vec![Modification {
            seq: ledger.next_modification_seq(),
            ticket: position.ticket,
            kind: ModificationKind::Sltp,
            price: 0.0,
            stoplimit: 0.0,
            sl: request.sl,
            tp: request.tp,
            type_time: OrderTime::Gtc,
            expiration: 0,
            time_msc: m.now_ms,
        }],
        positions: vec![Position {
            sl: request.sl,
            tp: request.tp,
            time_update_msc: m.now_ms,
            ..position.clone()
        }],
        ..Batch::default()
    };
    ledger.commit(batch).map_err(storage)?;
    Ok(Ok(m.quote.refused(Retcode::DONE)))
}
