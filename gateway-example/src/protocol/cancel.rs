//! The `payload` of `ORDER_CANCEL`: a pending order to delete, by its ticket.

use serde::{Deserialize, Serialize};

use super::ProtocolError;

/// A cancel as the client asked for it: the `payload` of `ORDER_CANCEL` (`TRADE_ACTION_REMOVE`).
///
/// ```
/// use gateway_example::protocol::CancelSpec;
///
/// let cancel: CancelSpec = serde_json::from_str(r#"{"order": 100000007}"#)?;
/// assert_eq!(cancel.order, 100000007);
/// assert!(serde_json::from_str::<CancelSpec>(r#"{"order": 1, "price": 1.1}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelSpec {
    /// Ticket of the pending order.
    pub order: u64,
}

impl CancelSpec {
    /// A ticket is never 0.
    ///
    /// ```
    /// use gateway_example::protocol::CancelSpec;
    ///
    /// assert!(CancelSpec { order: 0 }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if self.order == 0 {
            return Err(ProtocolError::Invalid(
                "`order` must be a pending order's ticket".into(),
            ));
        }
        Ok(())
    }
}
