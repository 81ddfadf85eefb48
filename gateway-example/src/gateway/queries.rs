//! The read-only actions: `PING`, `SYMBOL_INFO` and `ORDER_STATUS`.

use serde_json::json;
use uuid::Uuid;

use super::Gateway;
use crate::clock::unix_ms;
use crate::execution::order_filter;
use crate::journal::IntentState;
use crate::protocol::{ErrorCode, Reply};

pub(super) fn ping(req_id: Uuid) -> Reply {
    Reply::success(req_id, json!({"pong": true, "time_ms": unix_ms()}))
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
            Err(e) => Reply::failure(
                Some(req_id),
                ErrorCode::TerminalUnavailable,
                e.to_string(),
                true,
            ),
        }
    }

    /// The journal's view of an order and the terminal's deals and orders carrying its tag.
    pub(super) fn order_status(&self, req_id: Uuid, order_req_id: Uuid) -> Reply {
        let (state, reply) = match self.journal.get(order_req_id) {
            Ok(None) => ("unknown", None),
            Ok(Some(intent)) => match intent.state {
                IntentState::Pending => ("pending", None),
                IntentState::Done { reply, .. } => (
                    "done",
                    serde_json::from_str::<serde_json::Value>(&reply).ok(),
                ),
            },
            Err(e) => {
                return Reply::failure(Some(req_id), ErrorCode::Internal, e.to_string(), true);
            }
        };
        let filter = order_filter(order_req_id);
        let terminal = self
            .terminal
            .history_deals_get(&filter)
            .and_then(|deals| Ok((deals, self.terminal.orders_get(&filter)?)));
        match terminal {
            Ok((deals, orders)) => Reply::success(
                req_id,
                json!({
                    "state": state,
                    "reply": reply,
                    "deals": deals.iter().map(|d| d.ticket).collect::<Vec<_>>(),
                    "orders": orders.iter().map(|o| o.ticket).collect::<Vec<_>>(),
                }),
            ),
            Err(e) => Reply::failure(
                Some(req_id),
                ErrorCode::TerminalUnavailable,
                e.to_string(),
                true,
            ),
        }
    }
}
