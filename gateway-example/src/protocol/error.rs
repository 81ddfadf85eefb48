//! Error codes of the wire protocol and the errors found while reading a request.

/// A stable, machine-readable error code sent in `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode(pub &'static str);

impl ErrorCode {
    /// The frame is not UTF-8 JSON.
    pub const BAD_JSON: ErrorCode = ErrorCode("bad_json");
    /// The JSON is not a request object, or a field has the wrong type or value.
    pub const INVALID_REQUEST: ErrorCode = ErrorCode("invalid_request");
    /// `req_id` is missing or not a UUID.
    pub const INVALID_REQ_ID: ErrorCode = ErrorCode("invalid_req_id");
    /// `action` is not one the gateway knows.
    pub const UNKNOWN_ACTION: ErrorCode = ErrorCode("unknown_action");
    /// The symbol is not traded here.
    pub const UNKNOWN_SYMBOL: ErrorCode = ErrorCode("unknown_symbol");
    /// The volume is off the symbol's min/max/step.
    pub const INVALID_VOLUME: ErrorCode = ErrorCode("invalid_volume");
    /// The frame is larger than the gateway accepts.
    pub const FRAME_TOO_LARGE: ErrorCode = ErrorCode("frame_too_large");
    /// The request is unsigned, forged, or outside the timestamp window.
    pub const UNAUTHORIZED: ErrorCode = ErrorCode("unauthorized");
    /// The `req_id` was already used for a different order.
    pub const REQ_ID_CONFLICT: ErrorCode = ErrorCode("req_id_conflict");
    /// The gateway cannot tell yet whether the order executed: resend the same `req_id`.
    pub const OUTCOME_UNKNOWN: ErrorCode = ErrorCode("outcome_unknown");
    /// The gateway restarted and the order, never executed, is past the clients' retry window.
    pub const EXPIRED_UNEXECUTED: ErrorCode = ErrorCode("expired_unexecuted");
    /// The terminal could not be reached before anything was sent.
    pub const TERMINAL_UNAVAILABLE: ErrorCode = ErrorCode("terminal_unavailable");
    /// The gateway failed internally (its journal, most likely).
    pub const INTERNAL: ErrorCode = ErrorCode("internal");
    /// The connection has too many requests in flight: read the replies, then send again.
    pub const BUSY: ErrorCode = ErrorCode("busy");
}

/// Why a request frame could not be turned into a [`Request`](super::Request).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    /// Not UTF-8 or not JSON.
    #[error("request is not UTF-8 JSON: {0}")]
    BadJson(String),
    /// Valid JSON, wrong shape.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// `req_id` missing or malformed.
    #[error("req_id must be a UUID string: {0}")]
    BadReqId(String),
    /// Unknown `action`; the message names it and the actions allowed.
    #[error("{0}")]
    UnknownAction(String),
    /// Frame over the size limit.
    #[error("frame of {size} bytes exceeds the limit of {limit} bytes")]
    FrameTooLarge {
        /// Bytes received.
        size: usize,
        /// Bytes allowed.
        limit: usize,
    },
}

impl ProtocolError {
    /// The wire code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            ProtocolError::BadJson(_) => ErrorCode::BAD_JSON,
            ProtocolError::Invalid(_) => ErrorCode::INVALID_REQUEST,
            ProtocolError::BadReqId(_) => ErrorCode::INVALID_REQ_ID,
            ProtocolError::UnknownAction(_) => ErrorCode::UNKNOWN_ACTION,
            ProtocolError::FrameTooLarge { .. } => ErrorCode::FRAME_TOO_LARGE,
        }
    }
}
