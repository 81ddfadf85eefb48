//! The gateway's wire protocol: one UTF-8 JSON frame per request, exactly one JSON reply.
//!
//! ```text
//! {"action": "ORDER_SEND", "req_id": "<uuid>", "payload": {"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}}
//! {"req_id": "<uuid>", "ok": true,  "result": {...}}
//! {"req_id": "<uuid>", "ok": false, "error": {"code": "...", "message": "...", "retryable": false}}
//! ```
//!
//! Actions: `PING`, `ORDER_SEND`, `ORDER_STATUS` (payload `{"req_id": "<uuid of the order>"}`) and
//! `SYMBOL_INFO` (payload `{"symbol": "EURUSD"}`). `retryable` tells the client whether sending
//! again may give a different outcome; for `outcome_unknown` the client must resend the *same*
//! `req_id`, which the gateway reconciles before it executes anything.

mod error;
mod reply;
mod request;

pub use error::{ErrorCode, ProtocolError};
pub use reply::{ErrorBody, Reply};
pub use request::{parse_request, OrderSpec, Request, DEFAULT_DEVIATION_POINTS};
