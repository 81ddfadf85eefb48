//! What a placed order became: the `result` of an `ORDER_SEND` reply.

use serde::{Deserialize, Serialize};

use crate::protocol::OrderSpec;
use crate::terminal::{Deal, Order, OrderType, Position, Retcode, TradeResult};

/// Filled, partly filled (the rest cancelled, IOC) or placed as a pending order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    /// The whole volume filled.
    Filled,
    /// Part of the volume filled; the rest was cancelled, never resent.
    Partial,
    /// A pending order is on the book.
    Placed,
}

/// A successful order, as the client sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// Filled, partial or placed.
    pub status: ExecutionStatus,
    /// The MQL5 retcode that settled it.
    pub retcode: Retcode,
    /// The retcode's MQL5 name.
    pub retcode_name: String,
    /// Deal ticket, 0 for a pending order.
    pub deal: u64,
    /// Order ticket.
    pub order: u64,
    /// The position opened (its ticket, for `POSITION_CLOSE` and `ORDER_MODIFY`), 0 for a
    /// pending order not yet triggered.
    #[serde(default)]
    pub position: u64,
    /// Symbol.
    pub symbol: String,
    /// Order type.
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// Lots executed (or placed).
    pub volume: f64,
    /// Lots asked for.
    pub requested_volume: f64,
    /// Execution (or trigger) price.
    pub price: f64,
    /// Whether the outcome was found in the terminal's history rather than in its answer.
    pub reconciled: bool,
    /// A fill found through its position whose deal the history did not show within the
    /// history-lag bound: `deal` is 0 because the deal is not known yet, not because there is
    /// none. Left out of replies when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deal_unknown: bool,
}

impl Execution {
    /// From the terminal's direct answer.
    pub fn from_result(order: &OrderSpec, result: &TradeResult) -> Execution {
        let status = match result.retcode {
            Retcode::PLACED => ExecutionStatus::Placed,
            Retcode::DONE_PARTIAL => ExecutionStatus::Partial,
            _ => ExecutionStatus::Filled,
        };
        Execution {
            status,
            retcode: result.retcode,
            retcode_name: result.retcode.name().to_owned(),
            deal: result.deal,
            order: result.order,
            // On MetaTrader 5 a position's ticket is the ticket of the order that opened it.
            position: if order.order_type.is_market() {
                result.order
            } else {
                0
            },
            symbol: order.symbol.clone(),
            order_type: order.order_type,
            volume: result.volume,
            requested_volume: order.volume,
            price: result.price,
            reconciled: false,
            deal_unknown: false,
        }
    }

    /// From a deal found in the history.
    pub fn from_deal(order: &OrderSpec, deal: &Deal) -> Execution {
        let (status, retcode) = fill(order, deal.volume);
        Execution {
            status,
            retcode,
            retcode_name: retcode.name().to_owned(),
            deal: deal.ticket,
            order: deal.order,
            position: deal.position_id,
            symbol: deal.symbol.clone(),
            order_type: deal.order_type,
            volume: deal.volume,
            requested_volume: order.volume,
            price: deal.price,
            reconciled: true,
            deal_unknown: false,
        }
    }

    /// From a pending order found on the book.
    pub fn from_order(order: &OrderSpec, found: &Order) -> Execution {
        Execution {
            status: ExecutionStatus::Placed,
            retcode: Retcode::PLACED,
            retcode_name: Retcode::PLACED.name().to_owned(),
            deal: 0,
            order: found.ticket,
            position: found.position_id,
            symbol: found.symbol.clone(),
            order_type: found.order_type,
            volume: found.volume_initial,
            requested_volume: order.volume,
            price: found.price_open,
            reconciled: true,
            deal_unknown: false,
        }
    }

    /// From an open position found on the terminal (its deal not in the history yet: the
    /// caller looks it up, see `deal`).
    pub fn from_position(order: &OrderSpec, found: &Position) -> Execution {
        let (status, retcode) = fill(order, found.volume);
        Execution {
            status,
            retcode,
            retcode_name: retcode.name().to_owned(),
            deal: 0,
            order: found.ticket,
            position: found.ticket,
            symbol: found.symbol.clone(),
            order_type: order.order_type,
            volume: found.volume,
            requested_volume: order.volume,
            price: found.price_open,
            reconciled: true,
            deal_unknown: false,
        }
    }
}

/// Whether `filled` lots found on the terminal are all of `order` or part of it (IOC).
fn fill(order: &OrderSpec, filled: f64) -> (ExecutionStatus, Retcode) {
    if filled + 1e-9 < order.volume {
        (ExecutionStatus::Partial, Retcode::DONE_PARTIAL)
    } else {
        (ExecutionStatus::Filled, Retcode::DONE)
    }
}
