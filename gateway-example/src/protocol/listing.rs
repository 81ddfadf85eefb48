//! The payloads of the read-only listings `POSITIONS` and `ORDERS`.

use serde::{Deserialize, Serialize};

/// The optional `payload` of `POSITIONS` and `ORDERS`: which symbol to list, all when absent.
///
/// ```
/// use gateway_example::protocol::ListQuery;
///
/// let query: ListQuery = serde_json::from_str(r#"{"symbol": "EURUSD"}"#)?;
/// assert_eq!(query.symbol.as_deref(), Some("EURUSD"));
/// assert_eq!(serde_json::from_str::<ListQuery>("{}")?, ListQuery::default());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this symbol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}
