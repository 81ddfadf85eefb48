//! The one reply every request gets.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ErrorCode, ReqId};

/// The `error` object of a failed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code: a protocol code such as `invalid_volume`, or a `TRADE_RETCODE_*` name.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// Whether sending again may give a different outcome.
    pub retryable: bool,
    /// The MQL5 retcode, when the trade server decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retcode: Option<u32>,
}

/// A reply frame: `ok` with a `result`, or not `ok` with an `error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The request's id as the request spelled it; `null` when it had none that could be read.
    pub req_id: Option<ReqId>,
    /// Whether the request succeeded.
    pub ok: bool,
    /// The result of a successful request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// The error of a failed request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

impl Reply {
    /// A successful reply.
    pub fn success(req_id: Uuid, result: serde_json::Value) -> Reply {
        Reply {
            req_id: Some(req_id.into()),
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    /// A failed reply with a protocol error code.
    pub fn failure(
        req_id: Option<Uuid>,
        code: ErrorCode,
        message: impl Into<String>,
        retryable: bool,
    ) -> Reply {
        Reply {
            req_id: req_id.map(ReqId::from),
            ok: false,
            result: None,
            error: Some(ErrorBody {
                code: code.as_str().to_owned(),
                message: message.into(),
                retryable,
                retcode: None,
            }),
        }
    }

    /// The reply as one JSON frame.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("replies always serialize")
    }

    /// The reply as JSON text, as the journal stores it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("replies always serialize")
    }

    /// The error code, if the reply is a failure.
    pub fn error_code(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.code.as_str())
    }
}
