//! The `payload` of `ORDER_MODIFY`: new stops for a position, or a new price, stops and expiry for
//! a pending order.
//!
//! The wire form has MetaTrader 5's field names and exactly one of `position` (a
//! `TRADE_ACTION_SLTP`) or `order` (a `TRADE_ACTION_MODIFY`); it is read into [`ModifySpec`],
//! which cannot hold a mix of the two. A value left out is 0 (none), as in `mt5.order_send`:
//! modifying a position's `sl` alone removes its `tp`. The request names the whole target state,
//! which is what makes a modification idempotent.

use serde::{Deserialize, Serialize};

use super::order::validate_expiry;
use crate::terminal::OrderTime;

/// What an `ORDER_MODIFY` sets.
///
/// ```
/// use gateway_example::protocol::ModifySpec;
///
/// let sltp: ModifySpec = serde_json::from_str(r#"{"position": 9, "sl": 1.05, "tp": 1.2}"#)?;
/// assert_eq!(sltp, ModifySpec::Position { position: 9, sl: 1.05, tp: 1.2 });
/// let both = r#"{"position": 9, "order": 8, "price": 1.1}"#;
/// let error = serde_json::from_str::<ModifySpec>(both).unwrap_err().to_string();
/// assert!(error.contains("exactly one of `position` or `order`"), "{error}");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModifyWire", into = "ModifyWire")]
pub enum ModifySpec {
    /// A position's stop loss and take profit (`TRADE_ACTION_SLTP`).
    Position {
        /// Position ticket.
        position: u64,
        /// New stop loss, 0 for none.
        sl: f64,
        /// New take profit, 0 for none.
        tp: f64,
    },
    /// A pending order's prices and expiry (`TRADE_ACTION_MODIFY`).
    Order {
        /// Order ticket.
        order: u64,
        /// New trigger price.
        price: f64,
        /// New limit price of a stop-limit order, 0 for other orders.
        stoplimit: f64,
        /// New stop loss, 0 for none.
        sl: f64,
        /// New take profit, 0 for none.
        tp: f64,
        /// How long it lives from now on.
        type_time: OrderTime,
        /// When it expires, seconds since the Unix epoch, 0 for never.
        expiration: u64,
    },
}

/// `ORDER_MODIFY`'s payload as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModifyWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    position: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    order: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    price: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stoplimit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sl: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tp: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    type_time: Option<OrderTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expiration: Option<u64>,
}

/// Why an `ORDER_MODIFY` payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModifyError(String);

fn level(name: &str, value: Option<f64>) -> Result<f64, ModifyError> {
    match value {
        None => Ok(0.0),
        Some(p) if p >= 0.0 && p.is_finite() => Ok(p),
        Some(_) => Err(ModifyError(format!("`{name}` must be 0 or positive"))),
    }
}

impl TryFrom<ModifyWire> for ModifySpec {
    type Error = ModifyError;

    fn try_from(wire: ModifyWire) -> Result<ModifySpec, ModifyError> {
        let sl = level("sl", wire.sl)?;
        let tp = level("tp", wire.tp)?;
        match (wire.position, wire.order) {
            (Some(position), None) if position > 0 => {
                let order_fields = [
                    ("price", wire.price.is_some()),
                    ("stoplimit", wire.stoplimit.is_some()),
                    ("type_time", wire.type_time.is_some()),
                    ("expiration", wire.expiration.is_some()),
                ];
                if let Some((name, _)) = order_fields.iter().find(|(_, set)| *set) {
                    return Err(ModifyError(format!(
                        "`{name}` belongs to a pending order; a position takes only `sl` and `tp`"
                    )));
                }
                Ok(ModifySpec::Position { position, sl, tp })
            }
            (None, Some(order)) if order > 0 => {
                let price = match wire.price {
                    Some(p) if p > 0.0 && p.is_finite() => p,
                    _ => {
                        return Err(ModifyError(
                            "a pending order's modification needs a positive `price`".into(),
                        ))
                    }
                };
                validate_expiry(wire.type_time, wire.expiration)
                    .map_err(|e| ModifyError(e.to_string()))?;
                Ok(ModifySpec::Order {
                    order,
                    price,
                    stoplimit: level("stoplimit", wire.stoplimit)?,
                    sl,
                    tp,
                    type_time: wire.type_time.unwrap_or_default(),
                    expiration: wire.expiration.unwrap_or_default(),
                })
            }
            _ => Err(ModifyError(
                "give exactly one of `position` or `order`, a ticket".into(),
            )),
        }
    }
}

impl From<ModifySpec> for ModifyWire {
    fn from(spec: ModifySpec) -> ModifyWire {
        match spec {
            ModifySpec::Position { position, sl, tp } => ModifyWire {
                position: Some(position),
                sl: Some(sl),
                tp: Some(tp),
                ..ModifyWire::default()
            },
            ModifySpec::Order {
                order,
                price,
                stoplimit,
                sl,
                tp,
                type_time,
                expiration,
            } => ModifyWire {
                position: None,
                order: Some(order),
                price: Some(price),
                stoplimit: (stoplimit > 0.0).then_some(stoplimit),
                sl: Some(sl),
                tp: Some(tp),
                type_time: Some(type_time),
                expiration: (expiration > 0).then_some(expiration),
            },
        }
    }
}

impl ModifySpec {
    /// The ticket of the position or order modified.
    ///
    /// ```
    /// use gateway_example::protocol::ModifySpec;
    ///
    /// assert_eq!(ModifySpec::Position { position: 9, sl: 0.0, tp: 0.0 }.ticket(), 9);
    /// ```
    pub fn ticket(&self) -> u64 {
        match self {
            ModifySpec::Position { position, .. } => *position,
            ModifySpec::Order { order, .. } => *order,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<ModifySpec, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_pending_orders_modification_reads_and_writes_back() {
        let json = r#"{"order":8,"price":1.1,"sl":1.0,"type_time":"ORDER_TIME_SPECIFIED","expiration":1900000000}"#;
        let spec = read(json).unwrap();
        assert_eq!(
            spec,
            ModifySpec::Order {
                order: 8,
                price: 1.1,
                stoplimit: 0.0,
                sl: 1.0,
                tp: 0.0,
                type_time: OrderTime::Specified,
                expiration: 1_900_000_000,
            }
        );
        let back = serde_json::to_string(&spec).unwrap();
        assert_eq!(read(&back).unwrap(), spec);
    }

    #[test]
    fn mixed_or_incomplete_modifications_are_refused_by_name() {
        for (json, named) in [
            (r#"{"sl":1.0}"#, "exactly one of"),
            (r#"{"position":1,"order":2,"price":1.0}"#, "exactly one of"),
            (
                r#"{"position":1,"price":1.0}"#,
                "`price` belongs to a pending order",
            ),
            (r#"{"order":2}"#, "positive `price`"),
            (r#"{"order":2,"price":1.0,"expiration":5}"#, "`expiration`"),
            (r#"{"position":1,"sl":-1}"#, "`sl`"),
            (r#"{"position":1,"volume":1}"#, "unknown field `volume`"),
        ] {
            let error = read(json).unwrap_err();
            assert!(error.contains(named), "{json}: {error}");
        }
    }
}
