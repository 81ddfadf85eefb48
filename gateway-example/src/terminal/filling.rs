//! Fill policies (`ENUM_ORDER_TYPE_FILLING`), the ones each symbol allows
//! (`SYMBOL_FILLING_MODE`), and the volume a fill executes under its policy.
//!
//! The simulated symbols use market execution (`SYMBOL_TRADE_EXECUTION_MARKET`): a market order
//! takes a policy its symbol's `SYMBOL_FILLING_MODE` flags allow, and `ORDER_FILLING_RETURN` is
//! for pending orders only. Anything else is `TRADE_RETCODE_INVALID_FILL`.

use super::constant::{self, Constant};
use super::{Fault, OrderType, Retcode, SymbolInfo, TradeRequest};

/// `SYMBOL_FILLING_MODE` flag: the symbol allows `ORDER_FILLING_FOK`.
pub const SYMBOL_FILLING_FOK: u32 = 1;
/// `SYMBOL_FILLING_MODE` flag: the symbol allows `ORDER_FILLING_IOC`.
pub const SYMBOL_FILLING_IOC: u32 = 2;

/// A partial fill (IOC) executes this share of the volume, floored to the volume step.
const PARTIAL_FILL_SHARE: f64 = 0.5;

/// How an order's volume may be filled, numbered as the MetaTrader5 Python package numbers
/// `ORDER_FILLING_*`; on the wire, the number or the name.
///
/// ```
/// use gateway_example::terminal::Filling;
///
/// let ioc: Filling = serde_json::from_str("1").unwrap();
/// assert_eq!(ioc, Filling::Ioc);
/// assert_eq!(serde_json::to_string(&ioc).unwrap(), r#""ORDER_FILLING_IOC""#);
/// assert!(serde_json::from_str::<Filling>("3").is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Filling {
    /// Fill or Kill: the whole volume at once, or nothing (MT5's default, 0).
    #[default]
    Fok,
    /// Immediate or Cancel: what can be filled at once; the rest is cancelled.
    Ioc,
    /// Return: what can be filled; the rest stays as an order (pending orders here).
    Return,
}

impl Constant for Filling {
    const WHAT: &'static str = "type_filling";
    const ALL: &'static [Filling] = &[Filling::Fok, Filling::Ioc, Filling::Return];

    fn code(self) -> u32 {
        self as u32
    }

    fn name(self) -> &'static str {
        match self {
            Filling::Fok => "ORDER_FILLING_FOK",
            Filling::Ioc => "ORDER_FILLING_IOC",
            Filling::Return => "ORDER_FILLING_RETURN",
        }
    }
}

impl Filling {
    /// Whether `symbol` allows this policy for an order of `order_type`.
    pub fn is_allowed(self, symbol: &SymbolInfo, order_type: OrderType) -> bool {
        match self {
            Filling::Fok => symbol.filling_mode & SYMBOL_FILLING_FOK != 0,
            Filling::Ioc => symbol.filling_mode & SYMBOL_FILLING_IOC != 0,
            Filling::Return => !order_type.is_market(),
        }
    }

    /// The policy used when a client names none: IOC where allowed (a partial fill is final,
    /// never resent), else FOK, else RETURN.
    pub fn preferred(symbol: &SymbolInfo, order_type: OrderType) -> Filling {
        [Filling::Ioc, Filling::Fok, Filling::Return]
            .into_iter()
            .find(|f| f.is_allowed(symbol, order_type))
            .unwrap_or(Filling::Ioc)
    }
}

/// The volume a fill executes: all of it, or (under a partial-fill fault, IOC only: FOK fills
/// all or nothing) half of it floored to the step.
pub(crate) fn filled_volume(
    rules: &SymbolInfo,
    request: &TradeRequest,
    fault: Option<Fault>,
) -> (f64, Retcode) {
    let partial = fault == Some(Fault::PartialFill)
        && request.type_filling == Filling::Ioc
        && request.volume > rules.volume_min;
    if partial {
        let part = rules.floor_to_step(request.volume * PARTIAL_FILL_SHARE);
        (part.max(rules.volume_min), Retcode::DONE_PARTIAL)
    } else {
        (request.volume, Retcode::DONE)
    }
}

constant::serde_by_name!(Filling);
