//! The read-only actions: `PING`, `SYMBOL_INFO`, `ORDER_STATUS`, `POSITIONS`, `ORDERS` and
//! `ACCOUNT_INFO`.

use std::sync::Arc;

use serde_json::json;
use uuid::Uuid;

use super::checks::unavailable;
use super::{blocking, Gateway};
use crate::clock::unix_ms;
use crate::execution::{order_comment, TradeIntent, GATEWAY_MAGIC};
use crate::journal::IntentState;
use crate::protocol::{ErrorCode, ListQuery, ModifySpec, Reply};
use crate::terminal::{HistoryFilter, TerminalError};

pub(super) fn ping(req_id: Uuid) -> Reply {
    Reply::success(req_id, json!({"pong": true, "time_ms": unix_ms()}))
}

/// Which of the terminal's current books a listing reads.
#[derive(Debug, Clone, Copy)]
pub(super) enum Listing {
    /// `positions_get`.
    Positions,
    /// `orders_get`.
    Orders,
    /// `account_info`.
    Account,
}

impl Gateway {
    pub(super) fn symbol_info(&self, req_id: Uuid, symbol: &str) -> Reply {
        match self.terminal.symbol_info(symbol) {
            Ok(Some(info)) => Reply::success(req_id, json!(info)),
            Ok(None) => Reply::failure(
                Some(req_id),
                ErrorCode::UnknownSymbol,
                format!("unknown symbol `{symbol}`"),
                false,
            ),
            Err(e) => unavailable(req_id, &e),
        }
    }

    /// `POSITIONS`, `ORDERS` and `ACCOUNT_INFO`, read on a blocking thread (terminal calls block).
    pub(super) async fn listing(
        self: Arc<Self>,
        req_id: Uuid,
        listing: Listing,
        query: Option<ListQuery>,
    ) -> Reply {
        let filter = HistoryFilter {
            symbol: query.and_then(|q| q.symbol),
            ..HistoryFilter::default()
        };
        let read = move || {
            let terminal = &self.terminal;
            let result = match listing {
                Listing::Positions => terminal
                    .positions_get(&filter)
                    .map(|p| json!({"positions": p})),
                Listing::Orders => terminal.orders_get(&filter).map(|o| json!({"orders": o})),
                Listing::Account => terminal.account_info().map(|a| json!(a)),
            };
            match result {
                Ok(result) => Reply::success(req_id, result),
                Err(e) => unavailable(req_id, &e),
            }
        };
        blocking(read, req_id).await
    }

    /// The journal's view of an intent of any kind and the terminal's records of it: deals and
    /// pending orders of the order tickets the journal holds for a settled open, else carrying
    /// its tag (an open with the gateway's tag), of its magic, symbol and comment (an open with
    /// the client's comment), of its position (close, SL/TP), or with its order's ticket
    /// (modify, cancel).
    pub(super) fn order_status(&self, req_id: Uuid, asked: Uuid) -> Reply {
        let (state, reply, intent, tickets) = match self.journal.get(asked) {
            Ok(None) => ("unknown", None, None, Vec::new()),
            Ok(Some(entry)) => match entry.state {
                IntentState::Pending => ("pending", None, Some(entry.intent), Vec::new()),
                IntentState::Done { reply, .. } => (
                    "done",
                    serde_json::from_str::<serde_json::Value>(&reply).ok(),
                    Some(entry.intent),
                    entry.tickets,
                ),
            },
            Err(e) => {
                return Reply::failure(Some(req_id), ErrorCode::Internal, e.to_string(), true);
            }
        };
        let filters = match intent {
            // A settled open's records are the order tickets the journal holds for it: a broker
            // may have replaced the comment that carried its tag.
            Some(TradeIntent::Open(_)) if !tickets.is_empty() => tickets
                .iter()
                .map(|&ticket| HistoryFilter {
                    order: Some(ticket),
                    ..HistoryFilter::default()
                })
                .collect(),
            _ => vec![records_of(asked, intent.as_ref())],
        };
        let terminal = filters.iter().try_fold(
            (Vec::new(), Vec::new()),
            |(mut deals, mut orders), filter| {
                deals.extend(self.terminal.history_deals_get(filter)?);
                orders.extend(self.terminal.orders_get(filter)?);
                Ok::<_, TerminalError>((deals, orders))
            },
        );
        match terminal {
            Ok((deals, orders)) => Reply::success(
                req_id,
                json!({
                    "state": state,
                    "intent": intent,
                    "reply": reply,
                    "deals": deals.iter().map(|d| d.ticket).collect::<Vec<_>>(),
                    "orders": orders.iter().map(|o| o.ticket).collect::<Vec<_>>(),
                }),
            ),
            Err(e) => unavailable(req_id, &e),
        }
    }
}

/// The filter that selects an intent's records on the terminal.
fn records_of(req_id: Uuid, intent: Option<&TradeIntent>) -> HistoryFilter {
    let tag = || HistoryFilter {
        magic: Some(GATEWAY_MAGIC),
        comment: Some(order_comment(req_id)),
        ..HistoryFilter::default()
    };
    match intent {
        None => tag(),
        Some(TradeIntent::Open(order)) => HistoryFilter {
            magic: Some(order.magic.unwrap_or(GATEWAY_MAGIC)),
            comment: Some(
                order
                    .comment
                    .clone()
                    .unwrap_or_else(|| order_comment(req_id)),
            ),
            ..HistoryFilter::default()
        },
        Some(TradeIntent::Close(close)) => HistoryFilter {
            position: Some(close.position),
            ..HistoryFilter::default()
        },
        Some(TradeIntent::Modify(ModifySpec::Position { position, .. })) => HistoryFilter {
            position: Some(*position),
            ..HistoryFilter::default()
        },
        Some(TradeIntent::Modify(ModifySpec::Order { order, .. })) => HistoryFilter {
            order: Some(*order),
            ..HistoryFilter::default()
        },
        Some(TradeIntent::Cancel(cancel)) => HistoryFilter {
            order: Some(cancel.order),
            ..HistoryFilter::default()
        },
    }
}
