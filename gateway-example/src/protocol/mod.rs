//! The gateway's wire protocol: one UTF-8 JSON frame per request, exactly one JSON reply.
//!
//! ```text
//! {"action": "ORDER_SEND", "req_id": "<uuid>", "payload": {"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}}
//! {"req_id": "<uuid>", "ok": true,  "result": {...}}
//! {"req_id": "<uuid>", "ok": false, "error": {"code": "...", "message": "...", "retryable": false}}
//! ```
//!
//! Actions: `PING`; the four mutating ones, each executed at most once per `req_id`:
//! `ORDER_SEND`, `POSITION_CLOSE` ([`CloseSpec`]), `ORDER_MODIFY` ([`ModifySpec`]) and
//! `ORDER_CANCEL` ([`CancelSpec`]); `ORDER_STATUS` (payload `{"req_id": "<uuid of the
//! request>"}`, for any of the four); the listings `POSITIONS` and `ORDERS` (optional payload
//! `{"symbol": "EURUSD"}`), `ACCOUNT_INFO`, `SYMBOL_INFO` (payload `{"symbol": "EURUSD"}`) and
//! `STATS` (the gateway's counters and every retry site's, see [`crate::gateway::GatewayStats`]). Order types may be MT4 (`OP_BUY`) or MT5
//! (`ORDER_TYPE_BUY`) names. `req_id` may be any spelling of a UUID (upper case, braces, no
//! hyphens, `urn:uuid:`); the reply echoes it as sent, and every spelling of one UUID is the same
//! order. A field the gateway does not know, at any level, is refused with
//! `invalid_request` naming it.
//!
//! `retryable` says what sending the same request again does:
//!
//! - `true`: nothing was executed and the condition may pass. Resend the same `req_id` with the
//!   same order and the gateway tries again; it looks the order up in the terminal first, so it
//!   never executes twice. This is `outcome_unknown`, `internal`, `busy`, `terminal_unavailable`,
//!   and a transient trade-server retcode (`TRADE_RETCODE_REQUOTE`...) after the gateway's own
//!   retries gave up.
//! - `false`: the answer is final. An order the trade server refused (or that expired unexecuted)
//!   is stored with its `req_id`, and every resend gets the same reply for the journal's 24 h; a
//!   request refused before execution (bad input, bad signature) is refused again. To try a
//!   changed order, use a new `req_id`.
//!
//! When the gateway has a shared key, a request is two frames: the JSON, then its signature
//! (see [`crate::security`]).

mod cancel;
mod close;
mod error;
mod listing;
mod modify;
mod order;
mod reply;
mod req_id;
mod request;

pub use cancel::CancelSpec;
pub use close::CloseSpec;
pub use error::{ErrorCode, ProtocolError, UnknownErrorCode};
pub use listing::ListQuery;
pub use modify::{ModifyError, ModifySpec};
pub use order::{OrderSpec, DEFAULT_DEVIATION_POINTS};
pub use reply::{ErrorBody, Reply};
pub use req_id::ReqId;
pub use request::{parse_request, peek_req_id, Action, Request, StatusQuery, SymbolQuery};
