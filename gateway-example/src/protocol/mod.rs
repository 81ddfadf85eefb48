//! The gateway's wire protocol: one UTF-8 JSON frame per request, exactly one JSON reply.
//!
//! ```text
//! {"action": "ORDER_SEND", "req_id": "<uuid>", "payload": {"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}}
//! {"req_id": "<uuid>", "ok": true,  "result": {...}}
//! {"req_id": "<uuid>", "ok": false, "error": {"code": "...", "message": "...", "retryable": false}}
//! ```
//!
//! Actions: `PING`, `ORDER_SEND`, `ORDER_STATUS` (payload `{"req_id": "<uuid of the order>"}`) and
//! `SYMBOL_INFO` (payload `{"symbol": "EURUSD"}`). Order types may be MT4 (`OP_BUY`) or MT5
//! (`ORDER_TYPE_BUY`) names. A field the gateway does not know, at any level, is refused with
//! `invalid_request` naming it.
//!
//! `retryable: true` means the condition was transient. After `outcome_unknown` or `internal`
//! the client resends the *same* `req_id`: the gateway looks the order up before it executes
//! anything. Every other reply to an `ORDER_SEND` is final and stored: resending that `req_id`
//! returns the same reply, so a new attempt at a refused order needs a new `req_id`.
//!
//! When the gateway has a shared key, a request is two frames: the JSON, then its signature
//! (see [`crate::security`]).

mod error;
mod order;
mod reply;
mod request;

pub use error::{ErrorCode, ProtocolError};
pub use order::{OrderSpec, DEFAULT_DEVIATION_POINTS};
pub use reply::{ErrorBody, Reply};
pub use request::{parse_request, Action, Request, StatusQuery, SymbolQuery};
