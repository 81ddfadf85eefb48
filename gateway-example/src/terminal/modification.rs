//! The trade server's log of applied changes to positions and pending orders: the auditor's
//! proof that no modification was applied twice.
//!
//! MT5 keeps no such list (a modified order shows only its latest values); the simulator keeps
//! one, durably, so a soak can count what each `SLTP`, `MODIFY` and `REMOVE` really did.

use serde::{Deserialize, Serialize};

use super::OrderTime;

/// Which change was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ModificationKind {
    /// A position's stop loss and take profit changed (`TRADE_ACTION_SLTP`).
    Sltp,
    /// A pending order's prices or expiry changed (`TRADE_ACTION_MODIFY`).
    Modify,
    /// A pending order was deleted (`TRADE_ACTION_REMOVE`).
    Remove,
}

/// One applied change, with the values it set.
///
/// ```
/// use gateway_example::terminal::{SimulatedTerminal, SimulatorOptions};
///
/// let terminal = SimulatedTerminal::open(&SimulatorOptions::default()).unwrap();
/// assert!(terminal.audit_modifications().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Modification {
    /// Position of the change in the log, from 1.
    pub seq: u64,
    /// The position or order changed.
    pub ticket: u64,
    /// What was done.
    pub kind: ModificationKind,
    /// The open price set (`MODIFY`), 0 otherwise.
    pub price: f64,
    /// The StopLimit price set (`MODIFY`), 0 otherwise.
    pub stoplimit: f64,
    /// The stop loss set, 0 for none.
    pub sl: f64,
    /// The take profit set, 0 for none.
    pub tp: f64,
    /// The lifetime set (`MODIFY`).
    pub type_time: OrderTime,
    /// The expiration set (`MODIFY`), seconds since the Unix epoch, 0 for none.
    pub expiration: u64,
    /// When it was applied, ms since the Unix epoch.
    pub time_msc: u64,
}
