//! The `payload` of `POSITION_CLOSE`: all or part of an open position, by its ticket.

use serde::{Deserialize, Serialize};

use super::order::{default_deviation, validate_comment};
use super::ProtocolError;
use crate::terminal::Filling;

/// A close as the client asked for it: the `payload` of `POSITION_CLOSE`.
///
/// The gateway sends the opposite market deal with `position` set, as `mt5.order_send` closes a
/// position on a hedging account; the closing deal keeps the position's magic number.
///
/// ```
/// use gateway_example::protocol::CloseSpec;
///
/// let whole: CloseSpec = serde_json::from_str(r#"{"position": 100000002}"#)?;
/// assert_eq!((whole.volume, whole.deviation), (None, 20));
/// let part: CloseSpec = serde_json::from_str(r#"{"position": 100000002, "volume": 0.01}"#)?;
/// assert_eq!(part.volume, Some(0.01));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseSpec {
    /// Ticket of the position to close.
    pub position: u64,
    /// Lots to close; the whole position when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<f64>,
    /// Slippage accepted, in points.
    #[serde(default = "default_deviation")]
    pub deviation: u32,
    /// Fill policy, as for `ORDER_SEND`; one the symbol allows when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_filling: Option<Filling>,
    /// The closing deal's comment (at most 31 characters); the gateway's tag when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl CloseSpec {
    /// The checks that need no terminal: a positive volume, a comment MT5 keeps whole.
    ///
    /// ```
    /// use gateway_example::protocol::CloseSpec;
    ///
    /// let bad: CloseSpec = serde_json::from_str(r#"{"position": 5, "volume": -1}"#).unwrap();
    /// assert!(bad.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if self.position == 0 {
            return Err(ProtocolError::Invalid(
                "`position` must be a position's ticket".into(),
            ));
        }
        if self.volume.is_some_and(|v| v <= 0.0 || !v.is_finite()) {
            return Err(ProtocolError::Invalid(
                "`volume` must be positive, or absent to close the whole position".into(),
            ));
        }
        validate_comment(self.comment.as_deref())
    }
}
