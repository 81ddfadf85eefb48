//! Error codes of the wire protocol and the errors found while reading a request.

/// Declares the error codes once: the enum, its wire names and its list come from one table.
macro_rules! error_codes {
    ($($variant:ident => $wire:literal: $doc:literal,)*) => {
        /// A stable, machine-readable error code of the gateway, sent in `error.code` (the trade
        /// server's own refusals are sent as their `TRADE_RETCODE_*` names instead).
        ///
        /// ```
        /// use gateway_example::protocol::ErrorCode;
        ///
        /// assert_eq!(ErrorCode::InvalidRequest.as_str(), "invalid_request");
        /// assert_eq!("busy".parse(), Ok(ErrorCode::Busy));
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(#[doc = $doc] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as sent on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                }
            }
        }
    };
}

error_codes! {
    BadJson => "bad_json": "The frame is not UTF-8 JSON.",
    InvalidRequest => "invalid_request": "The JSON is not a request object, a field has the wrong type or value, or a field is unknown.",
    InvalidReqId => "invalid_req_id": "`req_id` is missing or not a UUID.",
    UnknownAction => "unknown_action": "`action` is not one the gateway knows.",
    UnknownSymbol => "unknown_symbol": "The symbol is not traded here.",
    InvalidVolume => "invalid_volume": "The volume is off the symbol's min/max/step.",
    FrameTooLarge => "frame_too_large": "The frame is larger than the gateway accepts.",
    Unauthorized => "unauthorized": "The request is unsigned, forged, replayed, or outside the timestamp window.",
    ReqIdConflict => "req_id_conflict": "The `req_id` was already used for a different order.",
    OutcomeUnknown => "outcome_unknown": "The gateway cannot tell yet whether the order executed: resend the same `req_id`.",
    ExpiredUnexecuted => "expired_unexecuted": "The gateway restarted and the order, never executed, is past the clients' retry window.",
    TerminalUnavailable => "terminal_unavailable": "The terminal could not be reached, and nothing executed.",
    Internal => "internal": "The gateway failed internally (its journal, most likely).",
    Busy => "busy": "The connection has too many requests in flight: read the replies, then send again.",
    UnknownPosition => "unknown_position": "No open position has this ticket.",
    UnknownOrder => "unknown_order": "No pending order has this ticket, on the book or in the history.",
    PositionClosed => "position_closed": "The position was closed by something else (stop loss, take profit, stop out) before this request executed.",
    OrderFilled => "order_filled": "The pending order was filled before it could be changed or deleted.",
    OrderExpired => "order_expired": "The pending order expired before it could be changed or deleted.",
    KeyBusy => "key_busy": "Another request on the same position, order or (magic, symbol) stayed unsettled too long; nothing executed: resend the same req_id.",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code that is not one of the gateway's [`ErrorCode`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code `{0}`")]
pub struct UnknownErrorCode(pub String);

impl std::str::FromStr for ErrorCode {
    type Err = UnknownErrorCode;

    fn from_str(text: &str) -> Result<ErrorCode, UnknownErrorCode> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
            .ok_or_else(|| UnknownErrorCode(text.to_owned()))
    }
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
            ProtocolError::BadJson(_) => ErrorCode::BadJson,
            ProtocolError::Invalid(_) => ErrorCode::InvalidRequest,
            ProtocolError::BadReqId(_) => ErrorCode::InvalidReqId,
            ProtocolError::UnknownAction(_) => ErrorCode::UnknownAction,
            ProtocolError::FrameTooLarge { .. } => ErrorCode::FrameTooLarge,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_from_its_wire_name() {
        for &code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse(), Ok(code));
            assert_eq!(code.to_string(), code.as_str());
        }
        assert!("TRADE_RETCODE_DONE".parse::<ErrorCode>().is_err());
    }
}
